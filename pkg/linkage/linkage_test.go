package linkage

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeELF describes a minimal ELF64 executable for the tests: enough
// headers for debug/elf to read, none of the code.
type fakeELF struct {
	interp     string   // PT_INTERP and .interp contents; none when empty
	needed     []string // DT_NEEDED entries, in a .dynamic section
	dynamicSeg bool     // a PT_DYNAMIC program header
}

func (f fakeELF) bytes() []byte {
	const (
		ehsize = 64
		phsize = 56
		shsize = 64
	)
	var progs []elf.Prog64
	progs = append(progs, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x400000, Paddr: 0x400000, Align: 0x1000})
	if f.interp != "" {
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Align: 1})
	}
	if f.dynamicSeg {
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_DYNAMIC), Flags: uint32(elf.PF_R | elf.PF_W), Align: 8})
	}

	// The data that sections and segments point into, after the headers.
	dataOff := uint64(ehsize + phsize*len(progs))
	var data bytes.Buffer
	shstr := []byte{0}
	name := func(s string) uint32 {
		off := len(shstr)
		shstr = append(shstr, s...)
		shstr = append(shstr, 0)
		return uint32(off)
	}
	sections := []elf.Section64{{}} // index 0 is always empty
	if f.interp != "" {
		off := dataOff + uint64(data.Len())
		data.WriteString(f.interp)
		data.WriteByte(0)
		size := uint64(len(f.interp) + 1)
		sections = append(sections, elf.Section64{Name: name(".interp"), Type: uint32(elf.SHT_PROGBITS), Flags: uint64(elf.SHF_ALLOC), Off: off, Size: size, Addralign: 1})
		for i := range progs {
			if progs[i].Type == uint32(elf.PT_INTERP) {
				progs[i].Off, progs[i].Filesz, progs[i].Memsz = off, size, size
			}
		}
	}
	if len(f.needed) > 0 {
		dynstr := []byte{0}
		var dyn bytes.Buffer
		for _, lib := range f.needed {
			binary.Write(&dyn, binary.LittleEndian, elf.Dyn64{Tag: int64(elf.DT_NEEDED), Val: uint64(len(dynstr))})
			dynstr = append(dynstr, lib...)
			dynstr = append(dynstr, 0)
		}
		binary.Write(&dyn, binary.LittleEndian, elf.Dyn64{Tag: int64(elf.DT_NULL)})
		strIndex := uint32(len(sections))
		off := dataOff + uint64(data.Len())
		data.Write(dynstr)
		sections = append(sections, elf.Section64{Name: name(".dynstr"), Type: uint32(elf.SHT_STRTAB), Flags: uint64(elf.SHF_ALLOC), Off: off, Size: uint64(len(dynstr)), Addralign: 1})
		for data.Len()%8 != 0 {
			data.WriteByte(0)
		}
		off = dataOff + uint64(data.Len())
		data.Write(dyn.Bytes())
		sections = append(sections, elf.Section64{Name: name(".dynamic"), Type: uint32(elf.SHT_DYNAMIC), Flags: uint64(elf.SHF_ALLOC | elf.SHF_WRITE), Off: off, Size: uint64(dyn.Len()), Link: strIndex, Addralign: 8, Entsize: 16})
		for i := range progs {
			if progs[i].Type == uint32(elf.PT_DYNAMIC) {
				progs[i].Off, progs[i].Filesz, progs[i].Memsz = off, uint64(dyn.Len()), uint64(dyn.Len())
			}
		}
	}
	shstrIndex := uint16(len(sections))
	shstrName := name(".shstrtab")
	off := dataOff + uint64(data.Len())
	data.Write(shstr)
	sections = append(sections, elf.Section64{Name: shstrName, Type: uint32(elf.SHT_STRTAB), Off: off, Size: uint64(len(shstr)), Addralign: 1})
	for data.Len()%8 != 0 {
		data.WriteByte(0)
	}

	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Entry: 0x401000, Phoff: ehsize, Shoff: dataOff + uint64(data.Len()),
		Ehsize: ehsize, Phentsize: phsize, Phnum: uint16(len(progs)),
		Shentsize: shsize, Shnum: uint16(len(sections)), Shstrndx: shstrIndex,
	}
	copy(hdr.Ident[:], "\x7fELF")
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)

	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, hdr)
	for _, p := range progs {
		binary.Write(&out, binary.LittleEndian, p)
	}
	out.Write(data.Bytes())
	for _, s := range sections {
		binary.Write(&out, binary.LittleEndian, s)
	}
	return out.Bytes()
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name       string
		file       fakeELF
		want       ELF
		wantStatic bool
	}{
		{name: "static", file: fakeELF{}, want: ELF{}, wantStatic: true},
		{
			name: "glibc executable",
			file: fakeELF{interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6", "libpthread.so.0"}, dynamicSeg: true},
			want: ELF{Interpreter: "/lib64/ld-linux-x86-64.so.2", Dynamic: true, Needed: []string{"libc.so.6", "libpthread.so.0"}},
		},
		{
			name: "interpreter only",
			file: fakeELF{interp: "/lib/ld-musl-x86_64.so.1"},
			want: ELF{Interpreter: "/lib/ld-musl-x86_64.so.1"},
		},
		{
			name: "dynamic section without interpreter",
			file: fakeELF{needed: []string{"libc.so.6"}},
			want: ELF{Dynamic: true, Needed: []string{"libc.so.6"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Inspect(bytes.NewReader(tc.file.bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Inspect = %+v, want %+v", got, tc.want)
			}
			if got.Static() != tc.wantStatic {
				t.Errorf("Static() = %v, want %v", got.Static(), tc.wantStatic)
			}
		})
	}
}

func TestCheckStatic(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	static := write("static", fakeELF{}.bytes())
	if err := CheckStatic(static); err != nil {
		t.Errorf("static binary refused: %v", err)
	}

	dynamic := write("dynamic", fakeELF{interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}, dynamicSeg: true}.bytes())
	err := CheckStatic(dynamic)
	want := dynamic + " is dynamically linked (it needs the loader /lib64/ld-linux-x86-64.so.2 and the libraries libc.so.6): build it with CGO_ENABLED=0"
	if err == nil || err.Error() != want {
		t.Errorf("CheckStatic(dynamic) = %v, want %q", err, want)
	}

	text := write("script", []byte("#!/bin/sh\necho hi\n"))
	if err := CheckStatic(text); !errors.Is(err, ErrNotELF) {
		t.Errorf("CheckStatic(script) = %v, want ErrNotELF", err)
	}
	if err := CheckStatic(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckStatic(missing) = %v, want not exist", err)
	}
}

// A system program is the real thing debug/elf has to read: on a glibc or
// musl system /bin/sh asks for a loader and a C library.
func TestInspectSystemShell(t *testing.T) {
	f, err := os.Open("/bin/sh")
	if err != nil {
		t.Skip("no /bin/sh here")
	}
	defer f.Close()
	got, err := Inspect(f)
	if errors.Is(err, ErrNotELF) {
		t.Skip("/bin/sh is not ELF here")
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.Static() {
		t.Skip("/bin/sh is statically linked here")
	}
	if !strings.HasPrefix(got.Interpreter, "/lib") || !got.Dynamic {
		t.Errorf("/bin/sh: interpreter %q, dynamic %v", got.Interpreter, got.Dynamic)
	}
	libc := false
	for _, n := range got.Needed {
		libc = libc || strings.HasPrefix(n, "libc.")
	}
	if !libc {
		t.Errorf("/bin/sh needs %v, want a libc", got.Needed)
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(fakeELF{}.bytes())
	f.Add(fakeELF{interp: "/lib64/ld-linux-x86-64.so.2", needed: []string{"libc.so.6"}, dynamicSeg: true}.bytes())
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Inspect(bytes.NewReader(b))
		if err == nil && e.Static() && (e.Interpreter != "" || e.Dynamic || len(e.Needed) > 0) {
			t.Errorf("Static() with %+v", e)
		}
	})
}
