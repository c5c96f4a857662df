// Command demo-app is a small order service with deliberate security bugs,
// used to demonstrate `secops scan`. Do not deploy it.
package main

import (
	"crypto/md5"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"

	"example.com/demo-app/internal/store"
)

// Hard-coded credential (gosec G101).
const adminPassword = "Adm1n-Sup3r-S3cret!"

func main() {
	db, err := sql.Open("demo", "orders.db")
	if err != nil {
		log.Fatal(err)
	}
	s := store.New(db)
	http.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.OrdersFor(r.URL.Query().Get("customer"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, rows)
	})
	http.HandleFunc("/invoice", serveInvoice)
	http.HandleFunc("/convert", convert)
	http.HandleFunc("/login", login)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}

// serveInvoice reads a file named by the client (gosec G304).
func serveInvoice(w http.ResponseWriter, r *http.Request) {
	path := filepath.Join("invoices", r.URL.Query().Get("name"))
	data, err := os.ReadFile(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

// convert runs a converter chosen by the client (gosec G204).
func convert(w http.ResponseWriter, r *http.Request) {
	tool := r.URL.Query().Get("tool")
	out, err := exec.Command(tool, "--to", "pdf").CombinedOutput()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Write(out)
}

// login compares an MD5 of the password (gosec G401, G501).
func login(w http.ResponseWriter, r *http.Request) {
	sum := md5.Sum([]byte(r.FormValue("password")))
	want := md5.Sum([]byte(adminPassword))
	if hex.EncodeToString(sum[:]) != hex.EncodeToString(want[:]) {
		http.Error(w, "denied", http.StatusUnauthorized)
		return
	}
	fmt.Fprintln(w, "welcome")
}

// paymentClient skips TLS verification (gosec G402).
func paymentClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
}

var _ = paymentClient
