module github.com/custos-archive/custos

go 1.26.8

require github.com/emersion/go-message v0.18.2
