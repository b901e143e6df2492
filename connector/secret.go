package connector

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sealer encrypts connector credentials at rest with AES-256-GCM. The key
// lives outside the database: in a key file (by default key/secret.key in the
// data folder, made on first use with mode 0600) or in the environment
// variable CUSTOS_SECRET_KEY (64 hex digits), so a copy of the database alone
// does not reveal the passwords.
type Sealer struct {
	aead cipher.AEAD
}

// OpenSealer loads the key from CUSTOS_SECRET_KEY, else from keyFile,
// creating the file with a new random key when it does not exist.
func OpenSealer(keyFile string) (*Sealer, error) {
	hexKey := strings.TrimSpace(os.Getenv("CUSTOS_SECRET_KEY"))
	if hexKey == "" {
		b, err := os.ReadFile(keyFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
				return nil, err
			}
			hexKey = hex.EncodeToString(k)
			if err := os.WriteFile(keyFile, []byte(hexKey+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("writing the secret key: %w", err)
			}
		case err != nil:
			return nil, fmt.Errorf("reading the secret key: %w", err)
		default:
			hexKey = strings.TrimSpace(string(b))
		}
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != 32 {
		return nil, errors.New("the secret key must be 64 hex digits (32 bytes)")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a secret; label binds it to its use (e.g. the connector's
// name), so a sealed value cannot be moved to another record.
func (s *Sealer) Seal(secret, label string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(label))
}

// Open decrypts a sealed secret.
func (s *Sealer) Open(sealed []byte, label string) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed secret too short")
	}
	b, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(label))
	if err != nil {
		return "", errors.New("cannot decrypt the connector's password: wrong secret key (CUSTOS_SECRET_KEY or the key file)")
	}
	return string(b), nil
}
