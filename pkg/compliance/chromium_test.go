package compliance

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The HTML report as a browser shows it: headless Chromium (Debian's
// chromium package) renders the demo report's first page and dumps its
// DOM. CI has no browser: the test skips there, saying so.

// screenshotPath is the picture of the report the README shows; refresh it
// with go test ./pkg/compliance -run TestHTMLReportInChromium -update.
var screenshotPath = filepath.Join("..", "..", "docs", "isms-p-report.png")

// Report window: a laptop screen's width, tall enough for the summary,
// the chart and the start of the score table.
const shotWidth, shotHeight = 1280, 1600

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium): the HTML report is not checked in a browser")
	return ""
}

// chromium runs headless Chromium on a local page with a fresh profile and
// nothing that reaches the network, and returns its standard output.
func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func screenshot(t *testing.T, bin, page string, w, h int) image.Image {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	chromium(t, bin, "--window-size="+itoa0(w)+","+itoa0(h), "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestHTMLReportInChromium(t *testing.T) {
	bin := chromiumPath(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "isms-p-report.html")
	var buf bytes.Buffer
	if err := WriteReportHTML(&buf, demoReport(t), LangKorean); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("DOM", func(t *testing.T) {
		dom := string(chromium(t, bin, "--dump-dom", "file://"+page))
		cat, _ := LoadCatalogue()
		for _, c := range cat.Controls() {
			if !strings.Contains(dom, `id="control-`+c.ID+`"`) {
				t.Errorf("the rendered page has no row for control %s", c.ID)
			}
		}
		// UTF-8 read as UTF-8: the Korean titles come through as written.
		for _, ko := range []string{"ISMS-P 인증 준비 보고서", "비밀번호 관리", "개인정보 처리 단계별 요구사항"} {
			if !strings.Contains(dom, ko) {
				t.Errorf("the rendered page lacks %q", ko)
			}
		}
	})

	img := screenshot(t, bin, page, shotWidth, shotHeight)
	t.Run("chart and table", func(t *testing.T) {
		// The chart's bars: runs of the status colours in the bar column
		// (the middle of the page), above the score table, whose header row
		// is a band of the table colour across most of the page.
		barColours := map[string]color.RGBA{
			"compliant": {0x2e, 0x7d, 0x32, 0xff}, "partial": {0xf9, 0xa8, 0x25, 0xff},
			"non-compliant": {0xc6, 0x28, 0x28, 0xff}, "manual": {0x5c, 0x6b, 0xc0, 0xff},
		}
		b := img.Bounds()
		firstBar := map[string]int{}
		tableTop, band := -1, 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			header := 0
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				if near(c, color.RGBA{0x1d, 0x35, 0x57, 0xff}) {
					header++
				}
				if x < b.Dx()/4 || x > b.Dx()*7/8 {
					continue
				}
				for name, want := range barColours {
					if _, seen := firstBar[name]; !seen && near(c, want) && runOf(img, x, y, want) >= 20 {
						firstBar[name] = y
					}
				}
			}
			// A heading's underline is a band too, but two pixels thin.
			if header > b.Dx()/2 {
				band++
			} else {
				band = 0
			}
			if tableTop < 0 && band == 10 {
				tableTop = y - 9
			}
		}
		if tableTop < 0 {
			t.Fatal("no table header band in the first page")
		}
		for name := range barColours {
			y, ok := firstBar[name]
			if !ok || y > tableTop {
				t.Errorf("no %s bar above the table (bar at y=%d, ok %v, table at y=%d)", name, y, ok, tableTop)
			}
		}
	})

	t.Run("Hangul glyphs", func(t *testing.T) {
		// Text in the report's font stack and text no font has a glyph for
		// look alike (boxes) when no Korean font is installed.
		stack := `"Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif`
		probe := func(text string) image.Image {
			p := filepath.Join(t.TempDir(), "probe.html")
			os.WriteFile(p, []byte(`<!DOCTYPE html><meta charset="utf-8"><body style="margin:0;background:#fff"><p style="margin:8px;font:32px `+stack+`">`+text+`</p>`), 0o644)
			return screenshot(t, bin, p, 320, 64)
		}
		hangul, missing := probe("비밀번호 관리"), probe("\u0378\u0378\u0378\u0378 \u0378\u0378")
		if sameImage(hangul, missing) {
			t.Error("Hangul renders as missing glyphs: install a Korean font (fonts-noto-cjk)")
		}
		if ink(hangul) < 150 {
			t.Errorf("Hangul probe has %d dark pixels: nothing was drawn", ink(hangul))
		}
	})

	if *update && !t.Failed() {
		if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(screenshotPath)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := png.Encode(out, img); err != nil {
			t.Fatal(err)
		}
	}
}

// near is true for colours within anti-aliasing distance of each other.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= 6 && d(a.G, b.G) <= 6 && d(a.B, b.B) <= 6
}

// runOf is how many pixels of colour c follow (x, y) on its row.
func runOf(img image.Image, x, y int, c color.RGBA) int {
	n := 0
	for ; x < img.Bounds().Max.X && near(color.RGBAModel.Convert(img.At(x, y)).(color.RGBA), c); x++ {
		n++
	}
	return n
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(a.At(x, y)) != color.RGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// ink counts dark pixels.
func ink(img image.Image) int {
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			c := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			if c.Y < 128 {
				n++
			}
		}
	}
	return n
}
