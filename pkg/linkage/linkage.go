// Package linkage tells whether an executable runs on its own or needs a
// dynamic loader and shared libraries from the machine it runs on.
//
// A secops binary is copied into places whose C library nobody chose: a
// Lambda function on provided.al2023, a scanner host, a distroless image.
// Only a statically linked binary is sure to start there.
package linkage

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ELF describes how an ELF executable is linked.
type ELF struct {
	// Interpreter is the dynamic loader the kernel starts first
	// (PT_INTERP), such as /lib64/ld-linux-x86-64.so.2; empty when none.
	Interpreter string
	// Dynamic is true when the file has a dynamic segment (PT_DYNAMIC) or
	// a .dynamic section, the table a loader reads.
	Dynamic bool
	// Needed lists the shared libraries it asks for (DT_NEEDED).
	Needed []string
}

// Static reports whether the executable needs no loader and no library.
func (e ELF) Static() bool {
	return e.Interpreter == "" && !e.Dynamic && len(e.Needed) == 0
}

// ErrNotELF is returned for files that are not ELF executables.
var ErrNotELF = errors.New("not an ELF file")

// Inspect reads how the ELF file in r is linked.
func Inspect(r io.ReaderAt) (ELF, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ELF{}, fmt.Errorf("%w: %v", ErrNotELF, err)
		}
		return ELF{}, err
	}
	defer f.Close()
	var e ELF
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
			if err != nil {
				return ELF{}, fmt.Errorf("read PT_INTERP: %w", err)
			}
			e.Interpreter = strings.TrimRight(string(b), "\x00")
			if e.Interpreter == "" {
				e.Interpreter = "(empty PT_INTERP)"
			}
		case elf.PT_DYNAMIC:
			e.Dynamic = true
		}
	}
	if f.Section(".interp") != nil && e.Interpreter == "" {
		e.Interpreter = "(.interp section)"
	}
	if f.Section(".dynamic") != nil {
		e.Dynamic = true
	}
	if e.Dynamic {
		// A missing or unreadable table is not an error here: the dynamic
		// segment alone already makes the file not static.
		e.Needed, _ = f.ImportedLibraries()
	}
	return e, nil
}

// CheckStatic returns nil when the file at path is a statically linked ELF
// executable, and otherwise an error that says what it needs and how to
// build it static.
func CheckStatic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	e, err := Inspect(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if e.Static() {
		return nil
	}
	var what []string
	if e.Interpreter != "" {
		what = append(what, "the loader "+e.Interpreter)
	}
	if len(e.Needed) > 0 {
		what = append(what, "the libraries "+strings.Join(e.Needed, ", "))
	}
	if len(what) == 0 {
		what = append(what, "a dynamic section")
	}
	return fmt.Errorf("%s is dynamically linked (it needs %s): build it with CGO_ENABLED=0", path, strings.Join(what, " and "))
}
