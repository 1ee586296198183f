// Command goapp is a tiny program the extractor's tests build: its build information
// names the standard library and a real dependency module (packageurl-go), as a
// production Go binary's does. (A test binary's build information lists no dependencies.)
package main

import (
	"fmt"

	"github.com/package-url/packageurl-go"
)

func main() {
	fmt.Println(packageurl.NewPackageURL(packageurl.TypeGolang, "example.com", "goapp", "v1.0.0", nil, "").ToString())
}
