package media

import (
	"bytes"
	"encoding/binary"
	"mime"
	"net/http"
	"strings"
)

// HeadSize is how much of a file Sniff looks at: http.DetectContentType reads 512 bytes,
// an ISO media "ftyp" box lists its brands within the first few hundred, and an SVG root
// element may follow a long XML prolog.
const HeadSize = 4096

// extensions maps each media type the store can hold to the extension its files get; the
// extension, never the client's file name, decides how a file is served.
var extensions = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"image/avif":      ".avif",
	"image/heic":      ".heic",
	"image/heif":      ".heif",
	"image/bmp":       ".bmp",
	"image/x-icon":    ".ico",
	"image/svg+xml":   ".svg",
	"audio/mpeg":      ".mp3",
	"audio/mp4":       ".m4a",
	"audio/aac":       ".aac",
	"audio/ogg":       ".ogg",
	"audio/flac":      ".flac",
	"audio/wave":      ".wav",
	"audio/aiff":      ".aiff",
	"audio/midi":      ".mid",
	"video/mp4":       ".mp4",
	"video/quicktime": ".mov",
	"video/3gpp":      ".3gp",
	"video/webm":      ".webm",
	"video/ogg":       ".ogv",
	"video/avi":       ".avi",
	"application/pdf": ".pdf",
}

// types is extensions reversed: the type a stored file is served with.
var types = func() map[string]string {
	m := make(map[string]string, len(extensions))
	for t, e := range extensions {
		m[e] = t
	}
	return m
}()

// TypeByExt returns the media type files with extension ext (".jpg") are served with,
// or "" for an extension the store never makes.
func TypeByExt(ext string) string { return types[ext] }

// Extensions returns the extension of every type the store can hold, mapped to the type,
// for writing a web server's configuration.
func Extensions() map[string]string {
	m := make(map[string]string, len(types))
	for e, t := range types {
		m[e] = t
	}
	return m
}

// Sniff returns the media type of a file from its first bytes, without parameters. It
// knows what http.DetectContentType knows (the WHATWG MIME Sniffing algorithm) and, in
// addition, ISO media (MP4, QuickTime, HEIC, AVIF), FLAC, Ogg audio and video, MP3 and
// AAC without an ID3 tag, and SVG.
func Sniff(head []byte) string {
	if t := sniffISOMedia(head); t != "" {
		return t
	}
	switch {
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "audio/flac"
	case bytes.HasPrefix(head, []byte("OggS")):
		return sniffOgg(head)
	case bytes.HasPrefix(head, []byte("ID3")):
		return "audio/mpeg"
	}
	if t := sniffMPEGAudio(head); t != "" {
		return t
	}
	t, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	switch t {
	case "text/xml", "text/plain", "text/html": // "<!--" first makes an SVG look like HTML
		if isSVG(head) {
			return "image/svg+xml"
		}
	case "audio/mp4", "video/mp4":
		return "" // an ftyp box sniffISOMedia could not read: a damaged file
	}
	return t
}

// sniffISOMedia reads the brands of an ISO base media file's leading "ftyp" box
// (ISO/IEC 14496-12 §4.3).
func sniffISOMedia(head []byte) string {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(head[0:4]))
	if size < 16 || size > len(head) || size%4 != 0 {
		size = min(len(head), 256) &^ 3
	}
	brands := []string{string(head[8:12])}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	has := func(names ...string) bool {
		for _, b := range brands {
			for _, n := range names {
				if b == n {
					return true
				}
			}
		}
		return false
	}
	switch major := brands[0]; {
	case major == "avif" || major == "avis":
		return "image/avif"
	case has("heic", "heix", "heim", "heis", "hevc", "hevx"):
		return "image/heic"
	case major == "mif1" || major == "msf1":
		if has("avif") {
			return "image/avif"
		}
		return "image/heif"
	case major == "qt  ":
		return "video/quicktime"
	case major == "M4A " || major == "M4B " || major == "F4A ":
		return "audio/mp4"
	case strings.HasPrefix(major, "3gp") || strings.HasPrefix(major, "3g2"):
		return "video/3gpp"
	case has("isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "dash", "MSNV", "f4v "):
		return "video/mp4"
	}
	return ""
}

// sniffOgg tells audio from video by the first stream's codec header (RFC 3533 §6, the
// Vorbis, Opus, Speex, FLAC and Theora mappings).
func sniffOgg(head []byte) string {
	switch {
	case bytes.Contains(head, []byte("\x80theora")):
		return "video/ogg"
	case bytes.Contains(head, []byte("\x01vorbis")), bytes.Contains(head, []byte("OpusHead")),
		bytes.Contains(head, []byte("Speex   ")), bytes.Contains(head, []byte("\x7fFLAC")):
		return "audio/ogg"
	}
	return "application/ogg"
}

// sniffMPEGAudio recognises an MPEG audio frame header (MP3) or an ADTS header (AAC) at
// the start of the file, and wants the second frame's header where the first one says it
// is, so that random bytes starting with 0xFF are not taken for audio.
func sniffMPEGAudio(head []byte) string {
	if len(head) < 4 || head[0] != 0xFF || head[1]&0xE0 != 0xE0 {
		return ""
	}
	version, layer := (head[1]>>3)&3, (head[1]>>1)&3
	if layer == 0 { // ADTS: MPEG-2/4 AAC, layer bits always 0 (ISO/IEC 13818-7)
		if head[1]&0xF0 != 0xF0 || (head[2]>>2)&0xF > 12 || len(head) < 7 {
			return ""
		}
		n := int(head[3]&3)<<11 | int(head[4])<<3 | int(head[5])>>5
		if n < 7 || n+2 > len(head) || !(head[n] == 0xFF && head[n+1]&0xF6 == 0xF0) {
			return ""
		}
		return "audio/aac"
	}
	bitrate, rate := head[2]>>4, (head[2]>>2)&3
	if version == 1 || bitrate == 0 || bitrate == 15 || rate == 3 {
		return ""
	}
	n := mpegFrameLen(version, layer, bitrate, rate, head[2]>>1&1)
	if n < 4 || n+2 > len(head) || !(head[n] == 0xFF && head[n+1]&0xE0 == 0xE0) {
		return ""
	}
	return "audio/mpeg"
}

// mpegFrameLen computes an MPEG audio frame's length in bytes from its header fields.
func mpegFrameLen(version, layer, bitrateIdx, rateIdx, padding byte) int {
	v1 := version == 3
	bitrates := map[bool]map[byte][]int{
		true: {
			3: {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
			2: {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			1: {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
		},
		false: {
			3: {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
			2: {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			1: {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		},
	}
	rates := map[byte][]int{3: {44100, 48000, 32000}, 2: {22050, 24000, 16000}, 0: {11025, 12000, 8000}}
	br := bitrates[v1][layer][bitrateIdx] * 1000
	sr := rates[version][rateIdx]
	switch {
	case layer == 3: // layer I
		return (12*br/sr + int(padding)) * 4
	case layer == 1 && !v1: // layer III, MPEG-2 and 2.5
		return 72*br/sr + int(padding)
	}
	return 144*br/sr + int(padding)
}

// isSVG reports whether an XML or text document's root element is <svg>.
func isSVG(head []byte) bool {
	root := rootElement(head)
	return root == "svg" || strings.HasSuffix(root, ":svg")
}

// rootElement returns the lower-cased name of the first element in an XML document,
// skipping the prolog: declaration, comments, processing instructions and doctype.
func rootElement(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			b = after(b, "?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			b = after(b, "-->")
		case bytes.HasPrefix(b, []byte("<!")):
			b = after(b, ">")
		case bytes.HasPrefix(b, []byte("<")):
			end := bytes.IndexAny(b[1:], " \t\r\n/>")
			if end < 0 {
				return ""
			}
			return strings.ToLower(string(b[1 : 1+end]))
		default:
			return ""
		}
	}
}

func after(b []byte, sep string) []byte {
	if i := bytes.Index(b, []byte(sep)); i >= 0 {
		return b[i+len(sep):]
	}
	return nil
}

// Agrees reports whether a file whose bytes are of type sniffed may have been sent as
// declared: the same type, or the same kind (an image for an image; audio and video
// share containers), or no useful declaration at all. A declared JPEG that is HTML does
// not agree.
func Agrees(declared, sniffed string) bool {
	d, _, err := mime.ParseMediaType(declared)
	if declared == "" || (err == nil && d == "application/octet-stream") {
		return true
	}
	if err != nil {
		return false
	}
	return d == sniffed || kind(d) != "" && kind(d) == kind(sniffed)
}

func kind(t string) string {
	major, _, _ := strings.Cut(t, "/")
	switch major {
	case "image":
		return "image"
	case "audio", "video":
		return "av"
	}
	return ""
}

// matchType matches a media type against an allow-list entry: "image/png", "image/*" or
// "*/*".
func matchType(pattern, typ string) bool {
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	if pattern == "*/*" || pattern == typ {
		return true
	}
	major, ok := strings.CutSuffix(pattern, "/*")
	return ok && strings.HasPrefix(typ, major+"/")
}
