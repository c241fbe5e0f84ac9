// The goroutine probe of vtbench (main.go): standard library only, nothing to download.
module vtbench/goroutine

go 1.19
