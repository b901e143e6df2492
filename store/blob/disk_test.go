package blob_test

import (
	"testing"

	"github.com/custos-archive/custos/store/blob"
	"github.com/custos-archive/custos/store/blob/blobtest"
)

func TestDisk(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		d, err := blob.OpenDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}
