package site

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Limits within which an article's text is parsed as Markdown. goldmark's parser is
// quadratic in some shapes of input (nested block quotes and list items, unclosed link
// brackets, link reference definitions) and GFM tables pad every row to the header's
// width, so that 10 KB of table can render to 20 MB; one such post would stall every page
// it appears on. Text beyond these limits is rendered as plain text instead (RenderText),
// which is linear. The limits are far above what an article written by hand reaches.
const (
	// maxMarkdownBytes is the largest text parsed as Markdown at all.
	maxMarkdownBytes = 256 << 10
	// maxMarkdownDepth bounds the block quotes and list items opened on one line, with a
	// level counted for every four columns of indentation (list items nest by indenting).
	maxMarkdownDepth = 16
	// maxLinkCost bounds the sum, over runs of non-blank lines, of the run's length times
	// its number of "[": every "[" can start a link whose label, destination or title
	// the parser looks for up to the end of the paragraph.
	maxLinkCost = 1 << 25
	// maxDelimiterCost bounds the sum, over runs of non-blank lines, of the square of
	// their emphasis delimiters (runs of "*", "_" or "~"): goldmark looks for the opener
	// of every closer among all the delimiters before it.
	maxDelimiterCost = 1 << 24
	// maxTableCells bounds the cells of GFM tables: the columns of a table's delimiter
	// row times the rows after it.
	maxTableCells = 1 << 14
)

// RenderMarkdown renders Markdown (CommonMark with GitHub's tables, strikethrough, task
// lists and autolinks) and sanitizes the result. Raw HTML in the source is dropped by the
// renderer and whatever remains passes the same allow-list as HTML content. Text that
// markdownBounded refuses is rendered as plain text, so that rendering takes time and
// memory linear in the text's length whatever it holds.
func RenderMarkdown(src string) template.HTML {
	if !markdownBounded(src) {
		return RenderText(src)
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return RenderText(src)
	}
	return sanitize(buf.String())
}

// markdownBounded reports whether src is within the limits above, in one pass over it.
func markdownBounded(src string) bool {
	if len(src) > maxMarkdownBytes {
		return false
	}
	var linkCost, delimiterCost, cells int
	var runLen, runBrackets, runDelimiters, columns int // of the current run of non-blank lines
	endRun := func() {
		linkCost += runLen * runBrackets
		delimiterCost += runDelimiters * runDelimiters
		runLen, runBrackets, runDelimiters, columns = 0, 0, 0, 0
	}
	for rest := src; rest != ""; {
		var line string
		line, rest = cutLine(rest)
		depth, body := containers(line)
		if depth > maxMarkdownDepth {
			return false
		}
		if strings.TrimSpace(body) == "" {
			endRun()
			continue
		}
		runLen += len(line) + 1
		runBrackets += strings.Count(body, "[")
		runDelimiters += delimiters(body)
		switch {
		case columns > 0:
			cells += columns
		case isDelimiterRow(body):
			columns = 0
			for cell := range strings.SplitSeq(body, "|") {
				if strings.Contains(cell, "-") {
					columns++
				}
			}
			cells += columns
		}
		if linkCost+runLen*runBrackets > maxLinkCost || cells > maxTableCells ||
			delimiterCost+runDelimiters*runDelimiters > maxDelimiterCost {
			return false
		}
	}
	return true
}

// delimiters counts the runs of "*", "_" and "~" in s: each is one emphasis delimiter.
func delimiters(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c == '*' || c == '_' || c == '~') && (i == 0 || s[i-1] != c) {
			n++
		}
	}
	return n
}

// containers measures the block structure a line opens or continues: its block quote
// markers (">") and list markers ("-", "+", "*", "1.", "1)") before the text, plus one
// level for every four columns of indentation among them. It returns that depth and the
// rest of the line; a line whose rest is blank ends a paragraph.
func containers(line string) (depth int, body string) {
	markers, cols := 0, 0
	i := 0
	for i < len(line) {
		switch c := line[i]; {
		case c == ' ':
			cols++
		case c == '\t':
			cols += 4 - cols%4
		case c == '>':
			markers++
		case c == '-' || c == '+' || c == '*':
			if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
				return markers + cols/4, line[i:]
			}
			markers++
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j == len(line) || (line[j] != '.' && line[j] != ')') ||
				(j+1 < len(line) && line[j+1] != ' ' && line[j+1] != '\t') {
				return markers + cols/4, line[i:]
			}
			markers++
			i = j
		default:
			return markers + cols/4, line[i:]
		}
		i++
	}
	return markers + cols/4, ""
}

// isDelimiterRow reports whether a line could be a GFM table's delimiter row: pipes,
// dashes, colons and spaces only, with at least one dash and one pipe.
func isDelimiterRow(s string) bool {
	return strings.Contains(s, "-") && strings.Contains(s, "|") &&
		strings.Trim(s, "|-: \t\r") == ""
}

// cutLine splits off the first line of s, ended by "\n", "\r\n" or "\r" as in
// CommonMark.
func cutLine(s string) (line, rest string) {
	i := strings.IndexAny(s, "\r\n")
	switch {
	case i < 0:
		return s, ""
	case s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n':
		return s[:i], s[i+2:]
	}
	return s[:i], s[i+1:]
}
