package storetest

import (
	"slices"

	"github.com/indiepub/indiepub/internal/post"
)

// search runs a search and fails the test if it cannot.
func search(t TB, s Store, q post.Search) []*post.Post {
	t.Helper()
	posts, err := s.SearchPosts(t.Context(), q)
	if err != nil {
		t.Fatalf("SearchPosts %+v: %v", q, err)
	}
	return posts
}

// visitorSearch is what a visitor may find: published, public posts.
func visitorSearch(text string) post.Search {
	return post.Search{Text: text, Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}}
}

// testSearchFinds: a search finds a post by a word of its name, of its content (text, an
// object's value, or HTML) or of its tags, whatever the case; several words must all be
// there; text that is a query language's syntax is only words.
func testSearchFinds(t TB, s Store) {
	create(t, s, newPost(t, "a/named", `{"type":"h-entry","properties":{"name":["Roasting Notes"],
		"content":["beans from Kenya"],"published":["`+hour(1)+`"]}}`))
	create(t, s, newPost(t, "a/html", `{"type":"h-entry","properties":{
		"content":[{"html":"<p>A <em>flat</em> white in Lisbon</p>"}],"published":["`+hour(2)+`"]}}`))
	create(t, s, newPost(t, "a/value", `{"type":"h-entry","properties":{
		"content":[{"value":"tea in Kyoto","html":"<p>tea in Kyoto</p>"}],"published":["`+hour(3)+`"]}}`))
	create(t, s, note(t, "a/tagged", 4, "Espresso", "travel"))
	tests := []struct {
		text string
		want []string
	}{
		{"roasting", []string{"a/named"}},
		{"KENYA", []string{"a/named"}},
		{"flat white", []string{"a/html"}},
		{"lisbon", []string{"a/html"}},
		{"kyoto tea", []string{"a/value"}},
		{"espresso", []string{"a/tagged"}},
		{"Travel", []string{"a/tagged"}},
		{"kenya kyoto", nil},
		{"nothing", nil},
		{"", nil},
		{`"kenya`, []string{"a/named"}},
		{`kenya*`, []string{"a/named"}},
		{`NEAR(kenya beans)`, nil}, // "near" is a word no post has
		{`-kyoto`, []string{"a/value"}},
		{`name:kyoto`, nil},
		{`tea OR kenya`, nil},
		{`"""***((( ^^ :: --`, nil},
	}
	for _, tt := range tests {
		if got := urls(search(t, s, visitorSearch(tt.text))); !sameList(got, tt.want) {
			t.Errorf("search %q: %q, want %q", tt.text, got, tt.want)
		}
	}
}

// testSearchFollowsChanges: an update's new words are found and its old ones no longer;
// a deleted post is never found, an undeleted one again; posts not published and public
// are found only when the search asks for every status and visibility.
func testSearchFollowsChanges(t TB, s Store) {
	p := create(t, s, note(t, "b/edited", 1))
	update(t, s, p.URL, func(p *post.Post) { p.Item.Properties["content"] = []any{"marmalade on toast"} })
	if got := urls(search(t, s, visitorSearch("marmalade"))); !sameList(got, []string{"b/edited"}) {
		t.Errorf("search for a word an update added: %q, want [b/edited]", got)
	}
	if got := urls(search(t, s, visitorSearch("b/edited"))); len(got) != 0 {
		t.Errorf("search for the words an update removed: %q, want none", got)
	}
	deletePost(t, s, p.URL, true)
	all := post.Search{Text: "marmalade"}
	if got := urls(search(t, s, all)); len(got) != 0 {
		t.Errorf("search finds a deleted post: %q", got)
	}
	deletePost(t, s, p.URL, false)
	if got := urls(search(t, s, visitorSearch("marmalade"))); !sameList(got, []string{"b/edited"}) {
		t.Errorf("search after undelete: %q, want [b/edited]", got)
	}

	hidden := map[string]string{
		"b/draft":    `"post-status":["draft"]`,
		"b/private":  `"visibility":["private"]`,
		"b/unlisted": `"visibility":["unlisted"]`,
	}
	for _, path := range []string{"b/draft", "b/private", "b/unlisted"} {
		create(t, s, newPost(t, path, `{"type":"h-entry","properties":{"content":["quince jam"],`+hidden[path]+`}}`))
	}
	if got := urls(search(t, s, visitorSearch("quince"))); len(got) != 0 {
		t.Errorf("a visitor's search finds %q, which are not published and public", got)
	}
	if got := urls(search(t, s, post.Search{Text: "quince"})); len(got) != 3 {
		t.Errorf("the owner's search finds %q, want the draft, the private and the unlisted post", got)
	}
	// The owner's filters (the studio's list): one status, or some visibilities.
	for _, tt := range []struct {
		q    post.Search
		want []string
	}{
		{post.Search{Text: "quince", Status: post.StatusDraft}, []string{"b/draft"}},
		{post.Search{Text: "quince", Status: post.StatusPublished}, []string{"b/private", "b/unlisted"}},
		{post.Search{Text: "quince", Visibility: []string{post.VisibilityPrivate}}, []string{"b/private"}},
		{post.Search{Text: "quince", Visibility: []string{post.VisibilityUnlisted, post.VisibilityPrivate}},
			[]string{"b/private", "b/unlisted"}},
	} {
		got := urls(search(t, s, tt.q))
		slices.Sort(got)
		if !sameList(got, tt.want) {
			t.Errorf("search %+v: %q, want %q", tt.q, got, tt.want)
		}
	}
	update(t, s, site+"b/private", func(p *post.Post) {
		p.Item.Properties["visibility"] = []any{post.VisibilityPublic}
	})
	if got := urls(search(t, s, visitorSearch("quince"))); !sameList(got, []string{"b/private"}) {
		t.Errorf("a visitor's search after the post became public: %q, want [b/private]", got)
	}
}

// testSearchPaging: results come newest stored first, Limit at a time, and Before (the
// last result's ID) gives the next page.
func testSearchPaging(t TB, s Store) {
	var want []string
	for i, path := range []string{"c/1", "c/2", "c/3", "c/4", "c/5"} {
		create(t, s, newPost(t, path, `{"type":"h-entry","properties":{"content":["walnut"],"published":["`+hour(10-i)+`"]}}`))
		want = append([]string{path}, want...)
	}
	var got []string
	q := visitorSearch("walnut")
	q.Limit = 2
	for range 4 {
		page := search(t, s, q)
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d results, want at most Limit 2", len(page))
		}
		got = append(got, urls(page)...)
		q.Before = page[len(page)-1].ID
	}
	if !sameList(got, want) {
		t.Errorf("pages of 2: %q, want %q", got, want)
	}
}

// testSearchPrefix: with Prefix the last word also finds the words it begins, the others
// still whole words; without it a part of a word finds nothing. The visitor's filters
// hold for prefixes too.
func testSearchPrefix(t TB, s Store) {
	create(t, s, newPost(t, "d/walnut", `{"type":"h-entry","properties":{"content":["walnut bread"],"published":["`+hour(1)+`"]}}`))
	create(t, s, newPost(t, "d/wall", `{"type":"h-entry","properties":{"content":["a wall of bread"],"published":["`+hour(2)+`"]}}`))
	create(t, s, newPost(t, "d/draft", `{"type":"h-entry","properties":{"content":["walnut cake"],"post-status":["draft"],"published":["`+hour(3)+`"]}}`))
	for _, tt := range []struct {
		text   string
		prefix bool
		want   []string
	}{
		{"walnu", false, nil},
		{"walnu", true, []string{"d/walnut"}},
		{"wal", true, []string{"d/wall", "d/walnut"}},
		{"bread wal", true, []string{"d/wall", "d/walnut"}},
		{"wal bread", true, nil}, // only the last word is a prefix
		{"walnut*", true, []string{"d/walnut"}},
	} {
		q := visitorSearch(tt.text)
		q.Prefix = tt.prefix
		if got := urls(search(t, s, q)); !sameList(got, tt.want) {
			t.Errorf("search %q (prefix %v): %q, want %q", tt.text, tt.prefix, got, tt.want)
		}
	}
	if got := urls(search(t, s, post.Search{Text: "cak", Prefix: true})); !sameList(got, []string{"d/draft"}) {
		t.Errorf("the owner's search for \"cak\" as a prefix: %q, want [d/draft]", got)
	}
}

// testSearchTypeAndTag: Type and Category narrow a search, the tag whatever its case.
func testSearchTypeAndTag(t TB, s Store) {
	create(t, s, newPost(t, "e/article", `{"type":"h-entry","properties":{"name":["Fig jam"],"content":["figs and sugar"],"category":["Kitchen"],"published":["`+hour(1)+`"]}}`))
	create(t, s, newPost(t, "e/note", `{"type":"h-entry","properties":{"content":["figs again"],"category":["kitchen"],"published":["`+hour(2)+`"]}}`))
	create(t, s, newPost(t, "e/other", `{"type":"h-entry","properties":{"content":["figs in the garden"],"category":["garden"],"published":["`+hour(3)+`"]}}`))
	for _, tt := range []struct {
		typ, tag string
		want     []string
	}{
		{"", "", []string{"e/other", "e/note", "e/article"}},
		{"article", "", []string{"e/article"}},
		{"note", "", []string{"e/other", "e/note"}},
		{"", "KITCHEN", []string{"e/note", "e/article"}},
		{"note", "kitchen", []string{"e/note"}},
		{"", "nowhere", nil},
	} {
		q := visitorSearch("figs")
		q.Type, q.Category = tt.typ, tt.tag
		if got := urls(search(t, s, q)); !sameList(got, tt.want) {
			t.Errorf("search for figs, type %q, tag %q: %q, want %q", tt.typ, tt.tag, got, tt.want)
		}
	}
}
