// Package packaging builds the agent's OpenWrt .ipk files and the ACS's
// .deb with nfpm. It is linked only into the cross-build tool, never into
// the agent or the ACS (the deps guard checks both).
package packaging

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/ipk"
)

//go:embed files
var packageFiles embed.FS

// Maintainer is the Maintainer field of every package.
const Maintainer = "Gatewarden project <gatewarden@example.org>"

// Install paths, shared with the tests that unpack the packages.
const (
	AgentBinary    = "/usr/bin/cpe-agent"
	AgentInit      = "/etc/init.d/gatewarden"
	AgentConfig    = "/etc/config/gatewarden"
	ACSBinaryDir   = "/usr/bin"
	ACSUnit        = "/usr/lib/systemd/system/gatewarden-acs.service"
	ACSConfig      = "/etc/gatewarden/acs.json"
	ACSExamplesDir = "/usr/share/doc/gatewarden-acs/examples"
	AgentPackage   = "gatewarden-agent"
	ACSPackage     = "gatewarden-acs"
)

// Dependencies. The binaries are static: the agent needs procd for its
// init script and the CA bundle to trust an https ACS; the ACS's
// maintainer script needs adduser for its system user.
var (
	AgentDepends = []string{"procd", "ca-bundle"}
	ACSDepends   = []string{"adduser"}
)

// IPKName is the file name of the agent's package for an OpenWrt
// architecture (mipsel_24kc, ...), as the dist contract says.
func IPKName(version, opkgArch string) string {
	return fmt.Sprintf("%s_%s_%s.ipk", AgentPackage, Version(version), opkgArch)
}

// DebName is the file name of the ACS's package.
func DebName(version string) string {
	return fmt.Sprintf("%s_%s_amd64.deb", ACSPackage, Version(version))
}

// Options are what a package build needs besides the binaries.
type Options struct {
	// Version is the build version (tag or `git describe`); the package
	// version is derived from it.
	Version string
	// MTime stamps every file, so the same inputs give the same package.
	MTime time.Time
}

// staged holds the embedded package files on disk, where nfpm reads them.
type staged struct{ dir string }

func stage() (*staged, error) {
	dir, err := os.MkdirTemp("", "gatewarden-pkg-")
	if err != nil {
		return nil, fmt.Errorf("packaging: %w", err)
	}
	err = fs.WalkDir(packageFiles, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := packageFiles.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("packaging: staging files: %w", err)
	}
	return &staged{dir: dir}, nil
}

func (s *staged) path(name string) string {
	return filepath.Join(s.dir, "files", filepath.FromSlash(name))
}
func (s *staged) close() { os.RemoveAll(s.dir) }

func content(src, dst, typ string, mode os.FileMode, mtime time.Time) *files.Content {
	return &files.Content{Source: src, Destination: dst, Type: typ,
		FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: mtime}}
}

// BuildIPK writes the agent's .ipk for opkgArch (an OpenWrt architecture
// such as mipsel_24kc) around the agent binary at binary.
func BuildIPK(w io.Writer, binary, opkgArch string, o Options) error {
	s, err := stage()
	if err != nil {
		return err
	}
	defer s.close()
	info := &nfpm.Info{
		Name:          AgentPackage,
		Arch:          opkgArch,
		Platform:      "linux",
		Version:       Version(o.Version),
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    Maintainer,
		Description: "Gatewarden CPE agent: TR-069 management of this router\n" +
			"Reports line statistics and applies configuration and firmware from the ACS.",
		MTime: o.MTime,
		Overridables: nfpm.Overridables{
			Depends: AgentDepends,
			Contents: files.Contents{
				content(binary, AgentBinary, files.TypeFile, 0o755, o.MTime),
				content(s.path("openwrt/gatewarden.init"), AgentInit, files.TypeFile, 0o755, o.MTime),
				content(s.path("openwrt/gatewarden.config"), AgentConfig, files.TypeConfig, 0o600, o.MTime),
			},
			Scripts: nfpm.Scripts{
				PostInstall: s.path("openwrt/postinst"),
				PreRemove:   s.path("openwrt/prerm"),
			},
			IPK: nfpm.IPK{Arch: opkgArch},
		},
	}
	var buf bytes.Buffer
	if err := ipk.Default.Package(nfpm.WithDefaults(info), &buf); err != nil {
		return fmt.Errorf("ipk %s: %w", opkgArch, err)
	}
	fixed, err := opkgInstalledSize(buf.Bytes())
	if err != nil {
		return fmt.Errorf("ipk %s: %w", opkgArch, err)
	}
	_, err = w.Write(fixed)
	return err
}

// ACSFiles are the inputs of the ACS's .deb.
type ACSFiles struct {
	// Binaries maps a command name (acs, acsctl) to its linux/amd64 build.
	Binaries map[string]string
	// Examples maps a path below ACSExamplesDir (e.g.
	// "mosquitto/acl.conf") to a file to ship there.
	Examples map[string]string
}

// BuildDeb writes the ACS's .deb.
func BuildDeb(w io.Writer, in ACSFiles, o Options) error {
	if in.Binaries["acs"] == "" {
		return fmt.Errorf("deb: no acs binary")
	}
	s, err := stage()
	if err != nil {
		return err
	}
	defer s.close()
	contents := files.Contents{
		content(s.path("debian/gatewarden-acs.service"), ACSUnit, files.TypeFile, 0o644, o.MTime),
		content(s.path("debian/acs.json"), ACSConfig, files.TypeConfig, 0o644, o.MTime),
	}
	for name, p := range in.Binaries {
		contents = append(contents, content(p, ACSBinaryDir+"/"+name, files.TypeFile, 0o755, o.MTime))
	}
	for rel, p := range in.Examples {
		contents = append(contents, content(p, ACSExamplesDir+"/"+rel, files.TypeFile, 0o644, o.MTime))
	}
	info := &nfpm.Info{
		Name:          ACSPackage,
		Arch:          "amd64",
		Platform:      "linux",
		Version:       Version(o.Version),
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    Maintainer,
		Description: "Gatewarden ACS: TR-069 auto-configuration server\n" +
			"Keeps the inventory of an ISP's home gateways, runs configuration and\n" +
			"firmware campaigns, and gives support staff live diagnosis of a line.",
		MTime: o.MTime,
		Overridables: nfpm.Overridables{
			Depends:  ACSDepends,
			Contents: contents,
			Scripts: nfpm.Scripts{
				PostInstall: s.path("debian/postinst"),
				PreRemove:   s.path("debian/prerm"),
				PostRemove:  s.path("debian/postrm"),
			},
		},
	}
	if err := deb.Default.Package(nfpm.WithDefaults(info), w); err != nil {
		return fmt.Errorf("deb: %w", err)
	}
	return nil
}
