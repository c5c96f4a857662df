package iostreams

import (
	"fmt"
	"strings"
)

func sprintfln(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}
