module example.com/demo-app

go 1.22
