module github.com/feedgen/feedgen/dist/hugo

go 1.20
