package imagepkgs

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/sbom"
)

const (
	maxLine  = 64 * kiB // longer lines are cut: no field read here is long
	maxField = 512      // a name or version longer than this is cut
)

// lineReader yields the lines of a text database one by one, so that a large file is never
// held whole and a hostile single line is never one huge allocation.
type lineReader struct {
	br *bufio.Reader
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine)}
}

// next returns the next line without its end of line; ok is false at the end.
func (l *lineReader) next() (line string, ok bool, err error) {
	b, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		line = string(b)
		for errors.Is(err, bufio.ErrBufferFull) { // drop the rest of an over-long line
			_, err = l.br.ReadSlice('\n')
		}
	} else {
		line = string(b)
	}
	if err == io.EOF {
		if line == "" {
			return "", false, nil
		}
		err = nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), true, nil
}

// field cleans a value taken from an image: bounded, valid UTF-8, no NUL.
func field(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxField {
		s = s[:maxField]
	}
	return posture.CleanText(s)
}

// readStanzas reads deb822-style paragraphs ("Key: value" lines, continuation lines
// starting with a space or tab, blank lines between paragraphs) and calls each with the
// wanted keys of every paragraph until it returns false. fold lower-cases keys (dpkg's
// field names are case-insensitive; apk's letters are not).
func readStanzas(r io.Reader, wanted map[string]bool, fold bool, each func(map[string]string) bool) error {
	lr := newLineReader(r)
	cur := map[string]string{}
	flush := func() bool {
		if len(cur) == 0 {
			return true
		}
		more := each(cur)
		cur = map[string]string{}
		return more
	}
	for {
		line, ok, err := lr.next()
		if err != nil {
			return err
		}
		if !ok {
			flush()
			return nil
		}
		if strings.TrimSpace(line) == "" {
			if !flush() {
				return nil
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' { // continuation of a field not read here
			continue
		}
		key, value, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		if fold {
			key = strings.ToLower(key)
		}
		if wanted[key] {
			cur[key] = field(value)
		}
	}
}

var dpkgFields = map[string]bool{"package": true, "status": true, "version": true, "source": true, "architecture": true}

// parseDpkg reads a dpkg status file (or a distroless status.d part, which has no Status
// field: requireStatus false). It stops after max packages, returning complete false.
func parseDpkg(r io.Reader, requireStatus bool, max int) (pkgs []OSPackage, complete bool, err error) {
	complete = true
	err = readStanzas(r, dpkgFields, true, func(s map[string]string) bool {
		if s["package"] == "" || (requireStatus && !dpkgInstalled(s["status"])) {
			return true
		}
		if len(pkgs) == max {
			complete = false
			return false
		}
		p := OSPackage{Name: s["package"], Version: s["version"], Arch: s["architecture"]}
		if src := s["source"]; src != "" {
			p.SourceName, p.SourceVersion = dpkgSource(src, p.Version)
		}
		pkgs = append(pkgs, p)
		return true
	})
	return pkgs, complete, err
}

// dpkgInstalled reports a Status whose package state is "installed", whatever the
// selection: "install ok installed", and also "hold ok installed" (held packages are on
// disk too). "deinstall ok config-files" and "half-installed" are not.
func dpkgInstalled(status string) bool {
	f := strings.Fields(status)
	return len(f) == 3 && f[2] == "installed"
}

// dpkgSource splits "openssl" or "openssl (3.0.11-1)"; the source version defaults to the
// binary package's.
func dpkgSource(src, version string) (name, srcVersion string) {
	name, rest, found := strings.Cut(src, " ")
	if !found {
		return name, version
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		return name, strings.TrimSpace(rest[1 : len(rest)-1])
	}
	return name, version
}

var apkFields = map[string]bool{"P": true, "V": true, "A": true, "o": true}

// parseApk reads Alpine's lib/apk/db/installed: one "X:value" line per field (P name, V
// version, A arch, o origin; the many other letters are ignored), a blank line between
// packages. It stops after max packages, returning complete false.
func parseApk(r io.Reader, max int) (pkgs []OSPackage, complete bool, err error) {
	complete = true
	err = readStanzas(r, apkFields, false, func(s map[string]string) bool {
		if s["P"] == "" {
			return true
		}
		if len(pkgs) == max {
			complete = false
			return false
		}
		pkgs = append(pkgs, OSPackage{Name: s["P"], Version: s["V"], Arch: s["A"], SourceName: s["o"]})
		return true
	})
	return pkgs, complete, err
}

// parseOSRelease reads an os-release file (KEY=value lines, values optionally quoted);
// nil when it names no ID.
func parseOSRelease(r io.Reader) (*sbom.Distro, error) {
	lr := newLineReader(r)
	vals := map[string]string{}
	for {
		line, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		key, value, found := strings.Cut(strings.TrimSpace(line), "=")
		if !found || strings.HasPrefix(key, "#") {
			continue
		}
		switch key {
		case "ID", "VERSION_ID", "PRETTY_NAME":
			vals[key] = field(unquoteShell(value))
		}
	}
	if vals["ID"] == "" {
		return nil, nil
	}
	return &sbom.Distro{ID: strings.ToLower(vals["ID"]), Version: vals["VERSION_ID"], Name: vals["PRETTY_NAME"]}, nil
}

// unquoteShell undoes os-release's shell-style quoting: "a \"b\"", 'a b', or bare.
func unquoteShell(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	var b bytes.Buffer
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
