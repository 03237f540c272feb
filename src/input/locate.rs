//! Source positions for YAML input, so that errors found *after* deserialization can still be
//! reported as `file:line:column`.
//!
//! serde_yaml reports positions only for its own syntax and type errors. Semantic validation
//! (for example "spec.parallelism must be >= 0") runs on the typed structs, where positions are
//! gone; what it knows is a *field path* in Kubernetes notation, as rendered by
//! `k8s.io/apimachinery`'s `field.Path.String()`:
//!
//! * segments are separated by `.` (`spec.template.spec`);
//! * `[N]` (ASCII digits) indexes a sequence (`containers[0]`);
//! * `[text]` is a mapping key that may contain dots and slashes
//!   (`metadata.labels[app.kubernetes.io/name]`, `requests[nvidia.com/gpu]`);
//! * a leading key segment has no dot, and a path may start with an index (`[0].name`).
//!
//! [`SourceIndex::build`] parses the source once with yaml-rust2's marked event parser and
//! records, per document, the position of every node and of every mapping key. Lookups then walk
//! the path through that tree ([`DocumentIndex::locate`], [`DocumentIndex::key`],
//! [`DocumentIndex::contains`]).
//!
//! ```ignore
//! let index = SourceIndex::build(&text);
//! let documents = serde_yaml::Deserializer::from_str(&text);
//! for (document, deserializer) in index.documents().iter().zip(documents) {
//!     // Syntax and type errors carry serde_yaml's own positions; stop at the first one.
//!     let job = Job::deserialize(deserializer)?;
//!     if job.spec.as_ref().and_then(|spec| spec.parallelism).is_some_and(|p| p < 0) {
//!         let at = document.locate("spec.parallelism");
//!         eprintln!("{path}:{}:{}: spec.parallelism must be >= 0", at.line, at.column);
//!     }
//! }
//! ```
//!
//! # Positions
//!
//! A [`Position`] carries a 1-based `line`, a 1-based `column` counted in Unicode scalar values
//! (`char`s, so a tab or an `é` is one column), and the byte `offset` into the whole source. Line
//! breaks are `\n`, `\r\n` (one break) and a lone `\r`, exactly the breaks yaml-rust2 counts. A
//! leading byte-order mark is skipped for parsing but still occupies column 1 of line 1 and bytes
//! 0..3, so positions always refer to the original text. (serde_yaml 0.9 counts the mark as a
//! column and then rejects any file with a second top-level key, so callers should strip it
//! before deserializing and index the same stripped text.)
//!
//! What a position points at is where libyaml starts a node, so that these positions agree with
//! the ones serde_yaml reports for its own type errors (a test checks this):
//!
//! * a node with properties (`&anchor`, `!tag`): its first property;
//! * scalars: their first character, i.e. the opening quote of a quoted scalar and the `|`/`>`
//!   indicator of a block scalar (not its first content line);
//! * flow collections: their `[` or `{`;
//! * block mappings: their first key; block sequences: the `-` of their first entry;
//! * aliases: the `*` of the alias (aliases are recorded, never expanded);
//! * an implicit null (`key:` with nothing after it): the position of its key, because there is no
//!   text to point at and the key is what a reader looks for (libyaml would point at whatever
//!   follows, possibly lines below); a null sequence entry points at its `-`; the root of an
//!   empty document points at its `---` marker (or the document start).
//!
//! Path lookups follow aliases one hop at a time (serde_yaml expands them, so `b.x` exists when `b`
//! is `*a` and the anchored node has `x`), and merge keys (`<<`) are indexed literally, like any
//! other key, because serde_yaml 0.9 does not apply them either.
//!
//! # Documents
//!
//! [`SourceIndex::documents`] lists documents exactly as `serde_yaml::Deserializer::from_str`
//! iterates them, and [`DocumentIndex::byte_range`] is a slice that deserializes to that document
//! on its own:
//!
//! * a range starts where the previous one ended (the first one at byte 0), so comments and
//!   directives before a document belong to it;
//! * a document ended by `---` (or by the end of input) ends where that marker line starts; a
//!   document ended by `...` also takes the rest of that line and any following blank, comment
//!   and further `...` lines (libyaml rejects a stream that *starts* with `...`);
//! * empty documents (`---` directly followed by `---`, or a trailing `---`) are listed, with
//!   [`DocumentIndex::is_empty`] true, because serde_yaml yields them as `null`;
//! * input without any document (empty, or only comments) yields one empty document covering the
//!   whole input, matching serde_yaml, which yields a single `null` document there.
//!
//! The two parsers (yaml-rust2 here, libyaml inside serde_yaml) agree on well-formed streams with
//! one known exception: an *empty* block scalar as a document's root directly followed by `---`
//! (`--- |\n---\n`), where yaml-rust2 0.10 reads the marker as the scalar's content and sees one
//! document instead of two. Otherwise they only differ on input serde_yaml rejects anyway:
//! yaml-rust2 (YAML 1.2) accepts a bare document right after `...` (`a\n...\nb`) and a stream
//! that is only `...`; libyaml (YAML 1.1) treats U+0085, U+2028 and U+2029 as line breaks, which
//! yaml-rust2 and this index do not. After a syntax error, serde_yaml's iterator repeats the error
//! forever, so callers should stop at the first failing document.
//!
//! # Robustness
//!
//! Building never panics and never recurses: the tree is built with an explicit stack and looked
//! up iteratively, so arbitrarily deep nesting is safe (yaml-rust2 itself stops flow nesting at
//! 255 levels with a "recursion limit exceeded" error and keeps block nesting on its own heap
//! stack). On a syntax error, everything parsed before it is kept and the document in progress is
//! marked incomplete. Time and memory are linear in the size of the input: each node is stored
//! once, an alias is one node (an "alias bomb" stays small), position conversions use a sparse
//! char/byte map instead of rescanning lines, and the few textual look-behinds are bounded. As a
//! last line of defence a panic inside yaml-rust2 is caught (with the default `panic = "unwind"`)
//! and treated like a syntax error.
//!
//! yaml-rust2 0.10 marker conventions (checked by the tests): `line` is 1-based, `col` is 0-based
//! and counted in chars, `index` counts chars, not bytes. `index` drifts after a block scalar line
//! with non-ASCII text (the scanner adds that line's byte length), so positions are derived from
//! `line` and `col` only. Block collections and empty nodes carry marks of neighbouring tokens
//! (a block mapping is marked at its first `:`, an empty value at the next token), which is why
//! those positions are recomputed as described above.

use std::collections::HashMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A location in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Byte offset into the whole source.
    pub offset: usize,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in chars (Unicode scalar values).
    pub column: usize,
}

/// One YAML document of a (possibly multi-document) stream.
#[derive(Debug, Clone)]
pub struct DocumentIndex {
    range: Range<usize>,
    first_line: usize,
    /// Where an empty or missing root is reported.
    start: Position,
    /// All nodes of the document; the root, if any, is node 0.
    nodes: Vec<Node>,
    empty: bool,
    complete: bool,
}

impl DocumentIndex {
    /// Byte range of this document's text in the whole source, such that deserializing
    /// `&src[range]` on its own with serde_yaml yields exactly this document (used to
    /// deserialize documents one at a time; line numbers are then shifted by `first_line() - 1`).
    pub fn byte_range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// 1-based line on which [`Self::byte_range`] starts. In a well-formed stream ranges start at
    /// the beginning of a line, so columns need no shifting.
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// Whether the document has no content (e.g. only comments, or an empty doc between `---`
    /// markers). Such documents deserialize to `null`.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Whether the document was parsed to its end; false when a syntax error cut it short, in
    /// which case only the part before the error is indexed.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Position where the document's root node starts.
    pub fn root(&self) -> Position {
        match self.nodes.first() {
            Some(node) if !self.empty => node.position,
            _ => self.start,
        }
    }

    /// Position of the VALUE at `path`; if the path does not exist (a missing field), the
    /// position of the deepest existing ancestor's value (so "spec.template is required" points
    /// at `spec:`'s value), and the root as a last resort.
    pub fn locate(&self, path: &str) -> Position {
        if self.empty {
            return self.root();
        }
        match self.resolve(path) {
            Some(found) => self.nodes[found.node].position,
            None => self.root(),
        }
    }

    /// Position of the mapping KEY of the last segment, when the path exists and ends in a key.
    pub fn key(&self, path: &str) -> Option<Position> {
        let found = self.resolve(path)?;
        if !found.complete {
            return None;
        }
        found.key.map(|key| self.nodes[key].position)
    }

    /// Whether `path` exists.
    pub fn contains(&self, path: &str) -> bool {
        self.resolve(path).is_some_and(|found| found.complete)
    }

    /// Walks `path` as far as it exists. Returns `None` only when the document has no root.
    fn resolve(&self, path: &str) -> Option<Resolved> {
        if self.nodes.is_empty() {
            return None;
        }
        let (segments, well_formed) = parse_path(path);
        let mut resolved = Resolved {
            node: 0,
            key: None,
            complete: false,
        };
        for segment in &segments {
            match self.step(resolved.node, segment) {
                Some((node, key)) => {
                    resolved.node = node;
                    resolved.key = key;
                }
                None => return Some(resolved),
            }
        }
        resolved.complete = well_formed;
        Some(resolved)
    }

    /// One path step from `node`. Aliases are followed here, one hop, because an alias node
    /// never carries an anchor itself; that keeps lookups proportional to the path length even
    /// for self-referential documents.
    fn step(&self, node: usize, segment: &Segment<'_>) -> Option<(usize, Option<usize>)> {
        let mut node = self.nodes.get(node)?;
        if let NodeKind::Alias(Some(target)) = node.kind {
            node = self.nodes.get(target)?;
        }
        match (&node.kind, segment) {
            (NodeKind::Sequence(items), Segment::Bracket(text)) => {
                let index = parse_index(text)?;
                items.get(index).map(|&item| (item, None))
            }
            (NodeKind::Mapping(entries), Segment::Name(text) | Segment::Bracket(text)) => entries
                .iter()
                .find(|entry| entry.key_text.as_deref() == Some(*text))
                .map(|entry| (entry.value, Some(entry.key))),
            _ => None,
        }
    }
}

/// Positions of every document of a YAML stream.
#[derive(Debug, Clone)]
pub struct SourceIndex {
    text: TextMap,
    documents: Vec<DocumentIndex>,
    syntax_error: Option<Position>,
}

impl SourceIndex {
    /// Never panics. On a YAML syntax error, index what was parsed before the error (the caller
    /// reports the syntax error itself via serde_yaml).
    pub fn build(source: &str) -> SourceIndex {
        let text = TextMap::new(source);
        let mut builder = Builder::new(&text);
        // A byte-order mark is not content, but yaml-rust2 would make it part of the first key.
        // It is left out of the parser's input; `TextMap::position_of_marker` adds its column
        // back on line 1.
        let body = source.strip_prefix('\u{feff}').unwrap_or(source);
        let mut parser = Parser::new(body.chars());
        let mut last_mark = None;
        loop {
            // yaml-rust2 is not known to panic, but the index only serves error messages and
            // must never be the thing that crashes the program, so a panic is caught and
            // handled like a syntax error at the last position seen.
            match catch_unwind(AssertUnwindSafe(|| parser.next_token())) {
                Ok(Ok((event, mark))) => {
                    last_mark = Some(mark);
                    let end = event == Event::StreamEnd;
                    builder.event(event, &mark);
                    if end {
                        break;
                    }
                }
                Ok(Err(error)) => {
                    builder.fail(Some(error.marker()));
                    break;
                }
                Err(_) => {
                    builder.fail(last_mark.as_ref());
                    break;
                }
            }
        }
        let (documents, syntax_error) = builder.finish();
        SourceIndex {
            text,
            documents,
            syntax_error,
        }
    }

    /// The documents of the stream, in order; never empty.
    pub fn documents(&self) -> &[DocumentIndex] {
        &self.documents
    }

    /// Where yaml-rust2 found a syntax error, if it did. serde_yaml's own error (and position)
    /// is the one to report; this only tells that the index is partial.
    pub fn syntax_error(&self) -> Option<Position> {
        self.syntax_error
    }

    /// 1-based line and column (chars) of a byte offset; clamps offsets past the end. An offset
    /// inside a multi-byte character is moved back to that character's start.
    pub fn position_of_offset(&self, offset: usize) -> Position {
        self.text.position_of_offset(offset)
    }
}

// ---------------------------------------------------------------------------------------------
// Document tree.

#[derive(Debug, Clone)]
struct Node {
    position: Position,
    kind: NodeKind,
}

#[derive(Debug, Clone)]
enum NodeKind {
    Scalar,
    /// The anchored node this alias refers to, when that node is in the same document.
    Alias(Option<usize>),
    Sequence(Vec<usize>),
    Mapping(Vec<Entry>),
}

#[derive(Debug, Clone)]
struct Entry {
    /// The key's text when the key is a scalar; other keys cannot be addressed by a path.
    key_text: Option<Box<str>>,
    key: usize,
    value: usize,
}

struct Resolved {
    /// The deepest node reached.
    node: usize,
    /// The key node of the last step, when that step was a mapping lookup.
    key: Option<usize>,
    /// Whether the whole (well-formed) path was found.
    complete: bool,
}

// ---------------------------------------------------------------------------------------------
// Paths.

enum Segment<'p> {
    /// A `.name` segment (or the leading one).
    Name(&'p str),
    /// A `[...]` segment: a sequence index when it is all digits, otherwise (and also on
    /// mappings) a key.
    Bracket(&'p str),
}

/// Splits a Kubernetes field path. Returns the segments parsed before any malformation and
/// whether the whole path was well formed, so that a broken path still locates its valid prefix.
fn parse_path(path: &str) -> (Vec<Segment<'_>>, bool) {
    let bytes = path.as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'[' {
            // Keys may contain `]` and `.`, and apimachinery does not escape them, so the
            // closing bracket is the first `]` that is followed by a separator or the end.
            let close = (i + 1..bytes.len()).find(|&j| {
                bytes[j] == b']' && matches!(bytes.get(j + 1), None | Some(b'.') | Some(b'['))
            });
            let Some(close) = close else {
                return (segments, false);
            };
            segments.push(Segment::Bracket(&path[i + 1..close]));
            i = close + 1;
        } else {
            let end = (i..bytes.len())
                .find(|&j| matches!(bytes[j], b'.' | b'['))
                .unwrap_or(bytes.len());
            if end == i {
                return (segments, false);
            }
            segments.push(Segment::Name(&path[i..end]));
            i = end;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            // A dot must be followed by a name, never by a bracket or the end.
            if matches!(bytes.get(i), None | Some(b'[') | Some(b'.')) {
                return (segments, false);
            }
        }
    }
    (segments, true)
}

fn parse_index(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Text geometry.

/// How many chars lie between two stored checkpoints of the char-to-byte map.
const CHECKPOINT_STRIDE: usize = 64;

/// Upper bound on the bytes looked at when searching backwards for an indicator, so that
/// pathological inputs cannot make position recovery quadratic.
const LOOK_BEHIND_BUDGET: usize = 64 * 1024;

/// Line starts and a sparse char/byte map of the source, for O(log n) conversions between
/// byte offsets and (line, column) without rescanning long lines.
#[derive(Debug, Clone)]
struct TextMap {
    text: Box<str>,
    /// Byte offset at which each line starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    /// Char index at which each line starts.
    line_start_chars: Vec<usize>,
    /// Byte offset of every `CHECKPOINT_STRIDE`-th char; empty when the text is ASCII.
    checkpoints: Vec<usize>,
    ascii: bool,
    bom: bool,
}

impl TextMap {
    fn new(source: &str) -> TextMap {
        let bytes = source.as_bytes();
        let ascii = source.is_ascii();
        let mut line_starts = vec![0];
        let mut line_start_chars = vec![0];
        let mut checkpoints = Vec::new();
        let mut chars = 0;
        for (i, &b) in bytes.iter().enumerate() {
            // UTF-8 continuation bytes do not start a char.
            if b & 0xC0 != 0x80 {
                if !ascii && chars % CHECKPOINT_STRIDE == 0 {
                    checkpoints.push(i);
                }
                chars += 1;
            }
            let line_break = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if line_break {
                line_starts.push(i + 1);
                line_start_chars.push(chars);
            }
        }
        TextMap {
            text: source.into(),
            line_starts,
            line_start_chars,
            checkpoints,
            ascii,
            bom: source.starts_with('\u{feff}'),
        }
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn floor_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Char index of a byte offset on a char boundary.
    fn char_index(&self, offset: usize) -> usize {
        if self.ascii {
            return offset;
        }
        let chunk = self
            .checkpoints
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.checkpoints.get(chunk).copied().unwrap_or(0);
        chunk * CHECKPOINT_STRIDE
            + self
                .text
                .get(start..offset)
                .map_or(0, |s| s.chars().count())
    }

    /// Byte offset of a char index, clamped to the end of the text.
    fn byte_offset(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.len());
        }
        let chunk = char_index / CHECKPOINT_STRIDE;
        let Some(&start) = self.checkpoints.get(chunk) else {
            return self.len();
        };
        let rest = char_index - chunk * CHECKPOINT_STRIDE;
        self.text.get(start..).map_or(self.len(), |tail| {
            tail.char_indices()
                .nth(rest)
                .map_or(self.len(), |(i, _)| start + i)
        })
    }

    /// 0-based line containing a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// Byte offset where the content of 0-based `line` ends, before its line break.
    fn line_content_end(&self, line: usize) -> usize {
        let Some(&next) = self.line_starts.get(line + 1) else {
            return self.len();
        };
        let bytes = self.bytes();
        if next >= 2 && bytes.get(next - 2) == Some(&b'\r') && bytes.get(next - 1) == Some(&b'\n') {
            next - 2
        } else {
            next.saturating_sub(1)
        }
    }

    fn position_of_offset(&self, offset: usize) -> Position {
        let offset = self.floor_boundary(offset);
        let line = self.line_of(offset);
        let line_chars = self.line_start_chars.get(line).copied().unwrap_or(0);
        Position {
            offset,
            line: line + 1,
            column: self.char_index(offset).saturating_sub(line_chars) + 1,
        }
    }

    /// Converts a yaml-rust2 marker (1-based line, 0-based column in chars) into a position,
    /// clamping marks past a line's end or past the end of the text (yaml-rust2 puts the stream
    /// end on a line after the last one when the text lacks a final line break).
    fn position_of_marker(&self, mark: &Marker) -> Position {
        let Some(line) = mark.line().checked_sub(1) else {
            return self.position_of_offset(0);
        };
        if line >= self.line_starts.len() {
            return self.position_of_offset(self.len());
        }
        let column = if self.bom && line == 0 {
            mark.col() + 1
        } else {
            mark.col()
        };
        let start_chars = self.line_start_chars[line];
        let end_chars = self.char_index(self.line_content_end(line));
        let target = start_chars.saturating_add(column).min(end_chars);
        Position {
            offset: self.byte_offset(target),
            line: line + 1,
            column: target - start_chars + 1,
        }
    }

    fn starts_with_at(&self, offset: usize, pattern: &str) -> bool {
        self.bytes()
            .get(offset..)
            .is_some_and(|rest| rest.starts_with(pattern.as_bytes()))
    }

    /// Whether 0-based `line` is blank or holds only a comment.
    fn is_blank_or_comment_line(&self, line: usize) -> bool {
        let start = self.line_starts.get(line).copied().unwrap_or(self.len());
        let end = self.line_content_end(line);
        let content = self.bytes().get(start..end).unwrap_or(&[]);
        match content.iter().position(|&b| !is_blank(b)) {
            None => true,
            Some(first) => content[first] == b'#',
        }
    }

    /// Whether 0-based `line` is a document end marker (`...`, optionally followed by blanks and
    /// a comment).
    fn is_document_end_line(&self, line: usize) -> bool {
        let start = self.line_starts.get(line).copied().unwrap_or(self.len());
        let end = self.line_content_end(line);
        let content = self.bytes().get(start..end).unwrap_or(&[]);
        let Some(rest) = content.strip_prefix(b"...") else {
            return false;
        };
        match rest.first() {
            None => true,
            Some(&b) if is_blank(b) => rest
                .iter()
                .find(|&&b| !is_blank(b))
                .is_none_or(|&b| b == b'#'),
            Some(_) => false,
        }
    }

    /// From 0-based `line`, skips lines that are blank, comments or `...` markers and returns the
    /// byte offset of the first other line (or the end of the text).
    fn skip_document_trailer(&self, mut line: usize) -> usize {
        while line < self.line_starts.len() {
            if !(self.is_blank_or_comment_line(line) || self.is_document_end_line(line)) {
                return self.line_starts[line];
            }
            line += 1;
        }
        self.len()
    }

    /// Byte offset just past a single-line scalar starting at `start` whose value is `value`:
    /// quoted scalars end at their closing quote, plain ones are their value verbatim. Falls back
    /// to `start` when the source does not look like that.
    fn scalar_end(&self, start: usize, line_end: usize, value: Option<&str>) -> usize {
        let bytes = self.bytes().get(..line_end).unwrap_or(&[]);
        match bytes.get(start) {
            Some(b'"') => {
                let mut i = start + 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => return i + 1,
                        _ => i += 1,
                    }
                }
                start
            }
            Some(b'\'') => {
                let mut i = start + 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) != Some(&b'\'') {
                            return i + 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                start
            }
            _ => match value {
                Some(value) if self.starts_with_at(start, value) => start + value.len(),
                _ => start,
            },
        }
    }

    /// Moves a node's position from its content back to its first property (`&anchor` or
    /// `!tag`), where libyaml, and so serde_yaml's errors, place a node. yaml-rust2 marks the
    /// content; the properties are the `count` words before it, separated by blanks and line
    /// breaks. If something else (a comment) comes first, the content position is kept.
    fn with_properties(&self, content: Position, count: usize) -> Position {
        if count == 0 {
            return content;
        }
        let bytes = self.bytes();
        let floor = content.offset.saturating_sub(LOOK_BEHIND_BUDGET);
        let mut start = content.offset.min(bytes.len());
        for _ in 0..count {
            let mut i = start;
            while i > floor && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
                i -= 1;
            }
            let word_end = i;
            while i > floor
                && !matches!(
                    bytes[i - 1],
                    b' ' | b'\t' | b'\n' | b'\r' | b'[' | b']' | b'{' | b'}' | b','
                )
            {
                i -= 1;
            }
            if i == word_end || !matches!(bytes[i], b'&' | b'!') {
                break;
            }
            start = i;
        }
        if start == content.offset {
            content
        } else {
            self.position_of_offset(start)
        }
    }

    /// Searches backwards from `mark` for the line holding the indicator of an empty or block
    /// node: lines that are blank or only a comment are skipped (they cannot hold it). The line of
    /// `mark` itself is considered only when `include_own_line` is set. Returns the line's byte
    /// range, or `None` when the search would exceed the look-behind budget.
    fn indicator_line(&self, mark: usize, include_own_line: bool) -> Option<Range<usize>> {
        let own = self.line_of(mark);
        if include_own_line {
            let start = self.line_starts.get(own).copied().unwrap_or(0);
            if self.bytes().get(start..mark)?.iter().any(|&b| !is_blank(b)) {
                return Some(start..mark);
            }
        }
        let mut line = own;
        while line > 0 {
            line -= 1;
            let start = self.line_starts[line];
            if mark - start > LOOK_BEHIND_BUDGET {
                return None;
            }
            if !self.is_blank_or_comment_line(line) {
                return Some(start..self.line_content_end(line));
            }
        }
        None
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The part of a line before its comment: a comment starts at a `#` preceded by a blank. Only
/// used on lines that hold indicators and properties, where quotes do not occur in practice.
fn code_part(line: &[u8]) -> &[u8] {
    let end = (1..line.len())
        .find(|&i| line[i] == b'#' && is_blank(line[i - 1]))
        .unwrap_or(line.len());
    &line[..end]
}

/// Whether `rest` (what follows an indicator) is empty, blanks, or blanks and a comment.
fn only_comment_follows(rest: &[u8]) -> bool {
    match rest.iter().position(|&b| !is_blank(b)) {
        None => true,
        Some(i) => i > 0 && rest[i] == b'#',
    }
}

// ---------------------------------------------------------------------------------------------
// Building the index from parser events.

struct Frame {
    node: usize,
    mapping: bool,
    /// A flow collection (`[`/`{`); empty entries of a flow sequence have no `-` to point at.
    flow: bool,
    /// A block mapping whose position waits for its first key (yaml-rust2 marks it at a `:`).
    pending: bool,
    /// How many properties (`&anchor`, `!tag`) precede the collection's content.
    properties: usize,
    /// In a mapping, the key whose value comes next, with its text.
    key: Option<(usize, Option<Box<str>>)>,
}

struct OpenDocument {
    range_start: usize,
    start: Position,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    /// yaml-rust2 anchor id -> node, for aliases that refer into this document.
    anchors: HashMap<usize, usize>,
    empty: bool,
}

struct Builder<'t> {
    text: &'t TextMap,
    documents: Vec<DocumentIndex>,
    open: Option<OpenDocument>,
    /// Where the next document's range starts.
    next_start: usize,
    syntax_error: Option<Position>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t TextMap) -> Builder<'t> {
        Builder {
            text,
            documents: Vec::new(),
            open: None,
            next_start: 0,
            syntax_error: None,
        }
    }

    fn event(&mut self, event: Event, mark: &Marker) {
        let text = self.text;
        let position = text.position_of_marker(mark);
        match event {
            Event::DocumentStart => self.start_document(position),
            Event::DocumentEnd => self.end_document(position),
            Event::Scalar(value, style, anchor, tag) => {
                let properties = usize::from(anchor != 0) + usize::from(tag.is_some());
                let implicit_null = style == TScalarStyle::Plain && value.is_empty();
                let position = if implicit_null {
                    self.empty_node_position(position)
                } else if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
                    text.with_properties(self.block_scalar_position(position), properties)
                } else {
                    text.with_properties(position, properties)
                };
                if let Some(doc) = self.open.as_mut() {
                    if doc.nodes.is_empty() && implicit_null && properties == 0 {
                        doc.empty = true;
                    }
                    let id = doc.add(text, NodeKind::Scalar, position, Some(value));
                    doc.register_anchor(anchor, id);
                }
            }
            Event::Alias(anchor) => {
                if let Some(doc) = self.open.as_mut() {
                    let target = doc.anchors.get(&anchor).copied();
                    doc.add(text, NodeKind::Alias(target), position, None);
                }
            }
            Event::SequenceStart(anchor, tag) => {
                let properties = usize::from(anchor != 0) + usize::from(tag.is_some());
                let flow = text.bytes().get(position.offset) == Some(&b'[');
                let position =
                    text.with_properties(self.block_sequence_position(position), properties);
                if let Some(doc) = self.open.as_mut() {
                    let id = doc.add(text, NodeKind::Sequence(Vec::new()), position, None);
                    doc.register_anchor(anchor, id);
                    doc.stack.push(Frame {
                        node: id,
                        mapping: false,
                        flow,
                        pending: false,
                        properties,
                        key: None,
                    });
                }
            }
            Event::MappingStart(anchor, tag) => {
                let properties = usize::from(anchor != 0) + usize::from(tag.is_some());
                let flow = text.bytes().get(position.offset) == Some(&b'{');
                if let Some(doc) = self.open.as_mut() {
                    let id = if flow {
                        let position = text.with_properties(position, properties);
                        doc.add(text, NodeKind::Mapping(Vec::new()), position, None)
                    } else {
                        // The position comes from the first key (see `resolve_pending`); the
                        // `:` that yaml-rust2 marks stays as a fallback.
                        doc.push(NodeKind::Mapping(Vec::new()), position, None)
                    };
                    doc.register_anchor(anchor, id);
                    doc.stack.push(Frame {
                        node: id,
                        mapping: true,
                        flow,
                        pending: !flow,
                        properties,
                        key: None,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(doc) = self.open.as_mut() {
                    doc.close(text);
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }

    fn start_document(&mut self, mark: Position) {
        // yaml-rust2 always ends a document before starting the next; this only keeps a
        // malformed event sequence from losing one.
        if self.open.is_some() {
            self.close_document(mark.offset, false);
        }
        let explicit = self.text.starts_with_at(mark.offset, "---");
        // Ranges tile the stream: comments and directives before a document belong to it.
        let range_start = self.next_start;
        let start = if explicit {
            mark
        } else {
            self.text.position_of_offset(range_start)
        };
        self.open = Some(OpenDocument {
            range_start,
            start,
            nodes: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            empty: false,
        });
    }

    fn end_document(&mut self, mark: Position) {
        let end = if self.text.starts_with_at(mark.offset, "...") {
            // `...` ends the document explicitly; blank, comment and repeated `...` lines after
            // it go with this document, since libyaml rejects a stream that starts with `...`.
            self.text.skip_document_trailer(mark.line)
        } else {
            // Implicitly ended by the next `---` (which starts the next range) or by the end.
            mark.offset
        };
        self.close_document(end, true);
    }

    fn close_document(&mut self, end: usize, complete: bool) {
        let Some(mut doc) = self.open.take() else {
            return;
        };
        while !doc.stack.is_empty() {
            doc.close(self.text);
        }
        let end = end.max(doc.range_start);
        let first_line = self.text.position_of_offset(doc.range_start).line;
        self.documents.push(DocumentIndex {
            range: doc.range_start..end,
            first_line,
            start: doc.start,
            empty: doc.empty || doc.nodes.is_empty(),
            nodes: doc.nodes,
            complete,
        });
        self.next_start = end;
    }

    fn fail(&mut self, mark: Option<&Marker>) {
        let position = match mark {
            Some(mark) => self.text.position_of_marker(mark),
            None => self.text.position_of_offset(self.next_start),
        };
        self.syntax_error = Some(position);
        if self.open.is_none() {
            // serde_yaml yields one failing document for an error between documents too.
            self.start_document(self.text.position_of_offset(self.next_start));
        }
        self.close_document(self.text.len(), false);
    }

    fn finish(mut self) -> (Vec<DocumentIndex>, Option<Position>) {
        if self.open.is_some() {
            self.close_document(self.text.len(), self.syntax_error.is_none());
        }
        if self.documents.is_empty() {
            // serde_yaml yields a single null document for a stream without documents.
            let start = self.text.position_of_offset(0);
            self.documents.push(DocumentIndex {
                range: 0..self.text.len(),
                first_line: 1,
                start,
                nodes: Vec::new(),
                empty: true,
                complete: self.syntax_error.is_none(),
            });
        }
        (self.documents, self.syntax_error)
    }

    /// Where an implicit null (an empty plain scalar) is reported. yaml-rust2 marks it at the
    /// next token, which may be lines away, so it is placed relative to its context instead.
    fn empty_node_position(&self, mark: Position) -> Position {
        let Some(doc) = self.open.as_ref() else {
            return mark;
        };
        let Some(parent) = doc.stack.last() else {
            // The root of an empty document.
            return doc.start;
        };
        if parent.mapping {
            return match &parent.key {
                // A missing value: point at its key.
                Some((key, _)) => doc.nodes[*key].position,
                // A missing key (`: value`): yaml-rust2 marks the `:` or what follows it.
                None => mark,
            };
        }
        if parent.flow {
            return mark;
        }
        // A null block sequence entry. Its mark lies after the *next* entry's `-` (or at the
        // dedent that ends the sequence), so its own `-` is the last one on the closest earlier
        // line with content; at the end of the text it can be on the mark's own line.
        let at_end = mark.offset >= self.text.len();
        let Some(line) = self.text.indicator_line(mark.offset, at_end) else {
            return mark;
        };
        let bytes = self.text.bytes();
        let code = code_part(bytes.get(line.clone()).unwrap_or(&[]));
        let dash = (0..code.len()).rev().find(|&i| {
            code[i] == b'-'
                && (i == 0 || is_blank(code[i - 1]))
                && code.get(i + 1).is_none_or(|&b| is_blank(b))
        });
        let sequence_start = doc.nodes[parent.node].position.offset;
        match dash.map(|i| line.start + i) {
            Some(offset) if offset >= sequence_start => self.text.position_of_offset(offset),
            _ => mark,
        }
    }

    /// Where a block sequence is reported: its first `-`. yaml-rust2 marks an indented sequence at
    /// the `-` but an indentless one (`key:\n- item`) after the `- ` that follows it.
    fn block_sequence_position(&self, mark: Position) -> Position {
        let bytes = self.text.bytes();
        if matches!(bytes.get(mark.offset), Some(b'-' | b'[')) {
            return mark;
        }
        let line_start = self
            .text
            .line_starts
            .get(mark.line - 1)
            .copied()
            .unwrap_or(0);
        let mut i = mark.offset.min(bytes.len());
        while i > line_start && is_blank(bytes[i - 1]) {
            i -= 1;
        }
        if i > line_start && bytes[i - 1] == b'-' {
            return self.text.position_of_offset(i - 1);
        }
        // A comment after the `-` moves the mark to the end of the line; the `-` of an
        // indentless sequence is then the first thing on that line.
        let first = (line_start..mark.offset.min(bytes.len())).find(|&j| !is_blank(bytes[j]));
        match first {
            Some(j) if bytes[j] == b'-' => self.text.position_of_offset(j),
            _ => mark,
        }
    }

    /// Where a block scalar is reported: its `|` or `>` indicator. yaml-rust2 marks its first
    /// content line (or the next token when it is empty); the header is the closest earlier line
    /// that is not blank or a comment, since only empty lines separate it from the content.
    fn block_scalar_position(&self, mark: Position) -> Position {
        let bytes = self.text.bytes();
        if matches!(bytes.get(mark.offset), Some(b'|' | b'>')) {
            return mark;
        }
        let Some(line) = self.text.indicator_line(mark.offset, false) else {
            return mark;
        };
        // Start after the key of this value when the key is on the header line, so that a `|`
        // or `>` inside the key is not mistaken for the indicator.
        let key_end = self.open.as_ref().and_then(|doc| {
            let (key, text) = doc.stack.last()?.key.as_ref()?;
            let start = doc.nodes[*key].position.offset;
            line.contains(&start)
                .then(|| self.text.scalar_end(start, line.end, text.as_deref()))
        });
        let from = key_end.unwrap_or(line.start);
        let content = bytes.get(from..line.end).unwrap_or(&[]);
        let indicator = (0..content.len()).find(|&i| {
            if !matches!(content[i], b'|' | b'>') || (i > 0 && !is_blank(content[i - 1])) {
                return false;
            }
            // Up to two chomping/indentation indicators, then only blanks or a comment.
            let modifiers = content[i + 1..]
                .iter()
                .take(2)
                .take_while(|&&b| b == b'+' || b == b'-' || b.is_ascii_digit())
                .count();
            only_comment_follows(&content[i + 1 + modifiers..])
        });
        match indicator {
            Some(i) => self.text.position_of_offset(from + i),
            None => mark,
        }
    }
}

impl OpenDocument {
    /// Adds a node whose position is known, links it to the open collection on top of the
    /// stack, and hands its position to the block mappings waiting for one.
    fn add(
        &mut self,
        text: &TextMap,
        kind: NodeKind,
        position: Position,
        value: Option<String>,
    ) -> usize {
        let id = self.push(kind, position, value);
        self.resolve_pending(text, position);
        id
    }

    /// Adds a node and makes it the next child of the open collection on top of the stack: an
    /// entry of a sequence, or alternately a key (keeping its scalar `value` as text) and a
    /// value of a mapping.
    fn push(&mut self, kind: NodeKind, position: Position, value: Option<String>) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node { position, kind });
        if let Some(parent) = self.stack.last_mut() {
            match &mut self.nodes[parent.node].kind {
                NodeKind::Sequence(items) => items.push(id),
                NodeKind::Mapping(entries) => match parent.key.take() {
                    None => parent.key = Some((id, value.map(String::into_boxed_str))),
                    Some((key, key_text)) => entries.push(Entry {
                        key_text,
                        key,
                        value: id,
                    }),
                },
                NodeKind::Scalar | NodeKind::Alias(_) => {}
            }
        }
        id
    }

    /// Gives `position` to the block mappings still waiting for their first key. They form the
    /// top of the stack: a pending mapping's only child so far is the frame above it. Each one
    /// starts at its properties, if any, which precede the content of its first key.
    fn resolve_pending(&mut self, text: &TextMap, mut position: Position) {
        for frame in self.stack.iter_mut().rev() {
            if !frame.pending {
                break;
            }
            frame.pending = false;
            position = text.with_properties(position, frame.properties);
            self.nodes[frame.node].position = position;
        }
    }

    fn close(&mut self, text: &TextMap) {
        if let Some(frame) = self.stack.pop()
            && frame.pending
        {
            // No child gave a position; keep the collection's own mark and pass it on.
            let position = self.nodes[frame.node].position;
            self.resolve_pending(text, position);
        }
    }

    fn register_anchor(&mut self, anchor: usize, node: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    // -----------------------------------------------------------------------------------------
    // Helpers.

    fn lc(position: Position) -> (usize, usize) {
        (position.line, position.column)
    }

    /// Asserts that the value at `path` starts at `line:column` with the text `expect`, and that
    /// the position is self-consistent.
    #[track_caller]
    fn assert_value(
        index: &SourceIndex,
        src: &str,
        doc: usize,
        path: &str,
        at: (usize, usize),
        expect: &str,
    ) {
        let document = &index.documents()[doc];
        let position = document.locate(path);
        assert_eq!(lc(position), at, "position of {path:?}");
        assert!(
            src[position.offset..].starts_with(expect),
            "{path:?} at {at:?}: expected {expect:?}, found {:?}",
            &src[position.offset..]
        );
        assert_eq!(index.position_of_offset(position.offset), position);
    }

    /// Asserts that the key of `path` starts at `line:column` with the text `expect`.
    #[track_caller]
    fn assert_key(
        index: &SourceIndex,
        src: &str,
        doc: usize,
        path: &str,
        at: (usize, usize),
        expect: &str,
    ) {
        let document = &index.documents()[doc];
        let Some(position) = document.key(path) else {
            panic!("no key for {path:?}");
        };
        assert_eq!(lc(position), at, "key of {path:?}");
        assert!(
            src[position.offset..].starts_with(expect),
            "key of {path:?}"
        );
        assert_eq!(index.position_of_offset(position.offset), position);
    }

    /// The documents serde_yaml yields, or `None` if it reports an error.
    fn serde_documents(src: &str) -> Option<Vec<serde_yaml::Value>> {
        let mut values = Vec::new();
        for document in serde_yaml::Deserializer::from_str(src) {
            values.push(serde_yaml::Value::deserialize(document).ok()?);
        }
        Some(values)
    }

    /// Checks the document list against serde_yaml's own iteration of the stream.
    #[track_caller]
    fn assert_consistent_with_serde(src: &str) {
        let Some(expected) = serde_documents(src) else {
            panic!("serde_yaml rejects {src:?}");
        };
        let index = SourceIndex::build(src);
        let documents = index.documents();
        assert_eq!(documents.len(), expected.len(), "document count of {src:?}");
        let mut previous_end = 0;
        for (document, value) in documents.iter().zip(&expected) {
            let range = document.byte_range();
            assert!(
                range.start >= previous_end && range.start <= range.end,
                "{src:?}"
            );
            previous_end = range.end;
            let alone: serde_yaml::Value = match serde_yaml::from_str(&src[range.clone()]) {
                Ok(value) => value,
                Err(error) => panic!("{:?} of {src:?} alone: {error}", &src[range]),
            };
            assert_eq!(&alone, value, "document {:?} of {src:?}", &src[range]);
            // An empty document is null; an explicit `~` or `null` is null without being empty.
            if document.is_empty() {
                assert!(value.is_null(), "{src:?}");
            }
            assert!(document.is_complete());
        }
    }

    /// Deterministic pseudo-random numbers (64-bit LCG, top bits), so tests need no crates.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.next() % items.len()]
        }
    }

    /// Checks every invariant that must hold for any input, valid or not.
    fn assert_invariants(src: &str, paths: &[&str]) {
        let index = SourceIndex::build(src);
        let documents = index.documents();
        assert!(!documents.is_empty(), "{src:?}");
        let mut previous_end = 0;
        for document in documents {
            let range = document.byte_range();
            assert!(
                range.start <= range.end && range.end <= src.len(),
                "{src:?}"
            );
            assert!(range.start >= previous_end, "{src:?}");
            assert!(src.is_char_boundary(range.start) && src.is_char_boundary(range.end));
            previous_end = range.end;
            assert_eq!(
                document.first_line(),
                index.position_of_offset(range.start).line
            );
            let mut positions = vec![document.root()];
            for path in paths {
                positions.push(document.locate(path));
                positions.extend(document.key(path));
                if document.key(path).is_some() {
                    assert!(document.contains(path));
                }
            }
            for position in positions {
                assert!(position.offset <= src.len(), "{src:?}");
                assert_eq!(
                    index.position_of_offset(position.offset),
                    position,
                    "{src:?}"
                );
            }
        }
        if let Some(error) = index.syntax_error() {
            assert_eq!(index.position_of_offset(error.offset), error);
        }
    }

    const JOB: &str = "\
# A training job with a sidecar.
apiVersion: batch/v1
kind: Job
metadata:
  name: train
  labels:
    app.kubernetes.io/name: trainer
    \"quoted/key\": yes
spec:
  parallelism: -1
  completions: 4
  backoffLimit: 3
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main
        operator: In
        values: [1, 2, 42]
    - action: Ignore
      onPodConditions:
      - type: DisruptionTarget
  template:
    metadata:
      labels: {app.kubernetes.io/name: trainer, tier: \"gpu\"}
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: trainer:1.0
        command: [\"python\", \"train.py\"]
        resources:
          requests:
            cpu: \"2\"
            memory: 4Gi
            nvidia.com/gpu: 1
          limits: {nvidia.com/gpu: 1}
      - name: sidecar
        image: busybox
        args:
          - sh
          - -c
          - |
            echo héllo
            sleep 10
        env:
        - name: EMPTY
          value:
";

    const LIST: &str = "\
apiVersion: v1
kind: List
items:
- apiVersion: batch/v1
  kind: Job
  metadata: {name: a}
  spec:
    parallelism: 1
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: b
  spec: {parallelism: 2, template: {}}
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: c
  spec:
    parallelism: -3
";

    const SCENARIO: &str = "\
# Scenario first, then the Job it drives.
---
kind: Scenario
seed: 42
events:
  - at: 10s
    fail: {pod: train-0, exitCode: 42}
  - at: 1m
    evict: train-1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  parallelism: oops
  template:
    spec:
      containers:
      - name: main
...
";

    // -----------------------------------------------------------------------------------------
    // Realistic manifests.

    #[test]
    fn job_manifest_values_and_keys() {
        let index = SourceIndex::build(JOB);
        assert_eq!(index.documents().len(), 1);
        assert!(index.syntax_error().is_none());
        let doc = &index.documents()[0];
        assert_eq!(lc(doc.root()), (2, 1));
        assert_eq!(doc.byte_range(), 0..JOB.len());
        assert_eq!(doc.first_line(), 1);

        assert_value(&index, JOB, 0, "metadata", (5, 3), "name: train");
        assert_value(
            &index,
            JOB,
            0,
            "metadata.labels[app.kubernetes.io/name]",
            (7, 29),
            "trainer",
        );
        assert_key(
            &index,
            JOB,
            0,
            "metadata.labels[app.kubernetes.io/name]",
            (7, 5),
            "app.",
        );
        assert_value(
            &index,
            JOB,
            0,
            "metadata.labels[quoted/key]",
            (8, 19),
            "yes",
        );
        assert_key(
            &index,
            JOB,
            0,
            "metadata.labels[quoted/key]",
            (8, 5),
            "\"quoted/key\"",
        );
        assert_value(&index, JOB, 0, "spec.parallelism", (10, 16), "-1");
        assert_key(&index, JOB, 0, "spec.parallelism", (10, 3), "parallelism");
        // An indentless sequence is located at the `-` of its first entry.
        assert_value(
            &index,
            JOB,
            0,
            "spec.podFailurePolicy.rules",
            (15, 5),
            "- action: FailJob",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.podFailurePolicy.rules[0].onExitCodes.values",
            (19, 17),
            "[1, 2, 42]",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.podFailurePolicy.rules[0].onExitCodes.values[2]",
            (19, 24),
            "42]",
        );
        assert_eq!(
            doc.key("spec.podFailurePolicy.rules[0].onExitCodes.values[2]"),
            None,
            "an index has no key"
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.podFailurePolicy.rules[1].onPodConditions[0].type",
            (22, 15),
            "DisruptionTarget",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.metadata.labels[app.kubernetes.io/name]",
            (25, 40),
            "trainer,",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]",
            (36, 29),
            "1\n",
        );
        assert_key(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[0].resources.requests[nvidia.com/gpu]",
            (36, 13),
            "nvidia.com/gpu",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[0].resources.requests[cpu]",
            (34, 18),
            "\"2\"",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]",
            (37, 36),
            "1}",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[0].command[1]",
            (31, 29),
            "\"train.py\"",
        );
        // A block scalar is located at its indicator, not at its first content line.
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[1].args[2]",
            (43, 13),
            "|",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[1].args",
            (41, 11),
            "- sh",
        );
        // An implicit null is located at its key.
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[1].env[0].value",
            (48, 11),
            "value:",
        );
        assert!(doc.contains("spec.template.spec.containers[1].env[0].value"));
    }

    #[test]
    fn missing_paths_fall_back_to_the_deepest_ancestor() {
        let index = SourceIndex::build(JOB);
        let doc = &index.documents()[0];
        // spec.suspend is missing: report spec's value (its first key).
        assert_value(&index, JOB, 0, "spec.suspend", (10, 3), "parallelism");
        assert!(!doc.contains("spec.suspend"));
        assert_eq!(doc.key("spec.suspend"), None);
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.missing.deeper",
            (27, 7),
            "restartPolicy",
        );
        assert_value(
            &index,
            JOB,
            0,
            "spec.template.spec.containers[5]",
            (29, 7),
            "- name: main",
        );
        // A path that continues below a scalar stops at the scalar.
        assert_value(&index, JOB, 0, "spec.parallelism.value", (10, 16), "-1");
        // An index into a mapping or a name on a sequence does not exist.
        assert!(!doc.contains("spec[0]"));
        assert!(!doc.contains("spec.template.spec.containers.name"));
        // Nothing matches at the top: the root.
        assert_value(&index, JOB, 0, "status.active", (2, 1), "apiVersion");
        assert_value(&index, JOB, 0, "", (2, 1), "apiVersion");
        assert!(doc.contains(""));
        assert_eq!(doc.key(""), None);
    }

    #[test]
    fn kind_list_items() {
        let index = SourceIndex::build(LIST);
        assert_value(&index, LIST, 0, "items", (4, 1), "- apiVersion");
        assert_value(&index, LIST, 0, "items[0].metadata.name", (6, 20), "a}");
        assert_value(&index, LIST, 0, "items[1].spec.parallelism", (13, 23), "2,");
        assert_value(&index, LIST, 0, "items[1].spec.template", (13, 36), "{}");
        assert_value(&index, LIST, 0, "items[2].spec.parallelism", (19, 18), "-3");
        assert_key(
            &index,
            LIST,
            0,
            "items[2].spec.parallelism",
            (19, 5),
            "parallelism",
        );
        assert_value(&index, LIST, 0, "items[2]", (14, 3), "apiVersion");
        // items[3] does not exist: the list itself.
        assert_value(&index, LIST, 0, "items[3].spec", (4, 1), "- apiVersion");
        assert!(!index.documents()[0].contains("items[3]"));
    }

    #[test]
    fn scenario_and_job_documents() {
        let index = SourceIndex::build(SCENARIO);
        let documents = index.documents();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].first_line(), 1);
        assert_eq!(lc(documents[0].root()), (3, 1));
        assert_value(
            &index,
            SCENARIO,
            0,
            "events[0].fail.exitCode",
            (7, 36),
            "42}",
        );
        assert_value(&index, SCENARIO, 0, "events[1].evict", (9, 12), "train-1");
        assert_value(&index, SCENARIO, 0, "events", (6, 3), "- at: 10s");
        assert_eq!(documents[1].first_line(), 10);
        assert_value(&index, SCENARIO, 1, "spec.parallelism", (16, 16), "oops");
        assert_value(
            &index,
            SCENARIO,
            1,
            "spec.template.spec.containers[0].name",
            (20, 15),
            "main",
        );
        assert_eq!(documents[1].byte_range().end, SCENARIO.len());
        assert_consistent_with_serde(SCENARIO);

        // Documents deserialized one at a time report lines relative to their range; shifting by
        // first_line() - 1 gives the line in the file, which matches the index.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Spec {
            parallelism: i32,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Job {
            spec: Spec,
        }
        let job = &documents[1];
        let error = serde_yaml::from_str::<Job>(&SCENARIO[job.byte_range()])
            .err()
            .and_then(|error| error.location());
        let Some(location) = error else {
            panic!("expected a located type error");
        };
        let located = job.locate("spec.parallelism");
        assert_eq!(location.line() + job.first_line() - 1, located.line);
        assert_eq!(location.column(), located.column);
    }

    // -----------------------------------------------------------------------------------------
    // Document splitting.

    #[test]
    fn document_markers() {
        let src = "# lead\n\n---\na: 1\n...\n# mid\n---\n---\n- x\n-\n- y\n--- \nfoo\n...\n%YAML 1.2\n---\nlast: [\n  1]\n---\n";
        let index = SourceIndex::build(src);
        let documents = index.documents();
        let ranges: Vec<_> = documents.iter().map(|d| &src[d.byte_range()]).collect();
        assert_eq!(
            ranges,
            [
                "# lead\n\n---\na: 1\n...\n# mid\n",
                "---\n",
                "---\n- x\n-\n- y\n",
                "--- \nfoo\n...\n",
                "%YAML 1.2\n---\nlast: [\n  1]\n",
                "---\n",
            ]
        );
        let empties: Vec<_> = documents.iter().map(DocumentIndex::is_empty).collect();
        assert_eq!(empties, [false, true, false, false, false, true]);
        let first_lines: Vec<_> = documents.iter().map(DocumentIndex::first_line).collect();
        assert_eq!(first_lines, [1, 7, 8, 12, 15, 19]);
        // The root of an empty document is its `---`.
        assert_eq!(lc(documents[1].root()), (7, 1));
        assert_eq!(lc(documents[5].locate("a.b")), (19, 1));
        assert_value(&index, src, 2, "[1]", (10, 1), "-\n- y");
        assert_value(&index, src, 2, "[2]", (11, 3), "y");
        assert_value(&index, src, 4, "last[0]", (18, 3), "1]");
        assert_consistent_with_serde(src);
    }

    #[test]
    fn streams_without_documents_have_one_empty_document() {
        for src in ["", "# only a comment\n", "\n\n", "# a\n# b"] {
            let index = SourceIndex::build(src);
            let documents = index.documents();
            assert_eq!(documents.len(), 1, "{src:?}");
            assert!(documents[0].is_empty());
            assert_eq!(documents[0].byte_range(), 0..src.len());
            assert_eq!(lc(documents[0].root()), (1, 1));
            assert_eq!(lc(documents[0].locate("spec.template")), (1, 1));
            assert!(!documents[0].contains("spec"));
            assert_consistent_with_serde(src);
        }
    }

    #[test]
    fn splitting_matches_serde_yaml() {
        for src in [
            "a: 1\n",
            "---\na: 1\n",
            "a: 1\n---\n",
            "a: 1\n---",
            "---\n---\n",
            "a: 1\n...\n",
            "a: 1\n...\n...\n---\nb: 2\n",
            "a: 1\n... # end\n# tail\n",
            "--- a\n...\n---\n",
            "a: 1\n--- b\n... \n--- # x\n",
            "a\r\n---\r\nb\r\n",
            "a\r---\rb\r",
            "\u{feff}a: 1\n---\nb: 2\n",
            "a: 1\n...\n%YAML 1.2\n---\nb: 2\n",
            "--- |\n  text\n--- >\n  folded\n...\n",
            "- &x 1\n- *x\n---\n- &x 2\n- *x\n",
            "a: 1\n---\n~\n---\nnull\n",
        ] {
            assert_consistent_with_serde(src);
        }
        let index = SourceIndex::build("---\n~\n---\n# nothing\n---\n");
        let empties: Vec<_> = index
            .documents()
            .iter()
            .map(DocumentIndex::is_empty)
            .collect();
        assert_eq!(empties, [false, true, true]);
    }

    #[test]
    fn generated_streams_match_serde_yaml() {
        let prefixes = ["", "# c\n", "\n", "--- # first\n", "%YAML 1.2\n---\n"];
        let bodies = [
            "a: 1\n",
            "- x\n- y\n",
            "plain\n",
            "{a: [1, 2]}\n",
            "",
            "# only a comment\n",
            "k: |\n  text\n",
            "'q'\n",
            "k: &a v\nj: *a\n",
            "é: ü\n",
            "x:\n",
        ];
        let separators = [
            "---\n",
            "--- \n",
            "...\n---\n",
            "--- # c\n",
            "---\n# c\n",
            "...\n# c\n---\n",
        ];
        let suffixes = [
            "",
            "---\n",
            "...\n",
            "---",
            "...",
            "# tail",
            "...\n# tail\n",
        ];
        let mut rng = Lcg(7);
        let mut checked = 0;
        for _ in 0..600 {
            let mut src = rng.pick(&prefixes).to_string();
            src.push_str(rng.pick(&bodies));
            for _ in 0..rng.next() % 3 {
                src.push_str(rng.pick(&separators));
                src.push_str(rng.pick(&bodies));
            }
            let suffix = rng.pick(&suffixes);
            // A suffix without a line break needs the body before it to end its line.
            if src.ends_with('\n') || src.is_empty() {
                src.push_str(suffix);
            }
            if serde_documents(&src).is_some() {
                assert_consistent_with_serde(&src);
                checked += 1;
            }
        }
        assert!(checked > 500, "only {checked} generated streams were valid");
    }

    // -----------------------------------------------------------------------------------------
    // Syntax edge cases.

    #[test]
    fn flow_collections_and_quoted_keys() {
        let src = "\
top: {a: 1, 'b.c': [x, {d: e}], \"f\\\"g\": h}
seq: [ [1, 2], [3, [4]] ]
'single quoted': yes
\"app.kubernetes.io/name\": q
pairs: [k: v, m: n]
0: zero
";
        let index = SourceIndex::build(src);
        let doc = &index.documents()[0];
        assert_value(&index, src, 0, "top", (1, 6), "{a: 1");
        assert_value(&index, src, 0, "top[b.c]", (1, 20), "[x,");
        assert_value(&index, src, 0, "top[b.c][1].d", (1, 28), "e}");
        assert_value(&index, src, 0, "top[f\"g]", (1, 41), "h}");
        assert_key(&index, src, 0, "top[f\"g]", (1, 33), "\"f\\\"g\"");
        assert_value(&index, src, 0, "seq[1][1][0]", (2, 21), "4]");
        assert_value(&index, src, 0, "[single quoted]", (3, 18), "yes");
        assert_value(&index, src, 0, "[app.kubernetes.io/name]", (4, 27), "q");
        // Single-pair mappings inside a flow sequence are located at their key.
        assert_value(&index, src, 0, "pairs[1]", (5, 15), "m: n");
        assert_value(&index, src, 0, "pairs[1].m", (5, 18), "n]");
        // `[0]` on a mapping is the key "0", as apimachinery renders it.
        assert_value(&index, src, 0, "[0]", (6, 4), "zero");
        assert!(doc.contains("top.a"));
        assert!(!doc.contains("top[a.b]"));
    }

    #[test]
    fn path_grammar() {
        let src = "a:\n  b.c:\n    - d: 1\n  'x]y': 2\n  'p].q': 3\n";
        let index = SourceIndex::build(src);
        let doc = &index.documents()[0];
        assert_value(&index, src, 0, "a[b.c][0].d", (3, 10), "1");
        assert_value(&index, src, 0, "a[x]y]", (4, 10), "2");
        // "]." inside a key is ambiguous and resolved as the shorter key; it then falls back.
        assert!(!doc.contains("a[p].q]"));
        // Malformed paths locate their valid prefix and never "exist".
        for path in ["a..b", "a.", "a[b.c", "a.[b.c]", ".a", "a[b.c].[0]"] {
            assert!(!doc.contains(path), "{path:?}");
        }
        assert_value(&index, src, 0, "a..b", (2, 3), "b.c:");
        assert_value(&index, src, 0, "a[b.c].[0]", (3, 5), "- d");
        assert_value(&index, src, 0, "a[b.c", (2, 3), "b.c:");
        // A document whose root is a sequence starts with an index.
        let src = "- name: x\n- name: y\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "[1].name", (2, 9), "y");
        assert_value(&index, src, 0, "[1]", (2, 3), "name");
    }

    #[test]
    fn block_scalars_are_located_at_their_indicator() {
        let src = "a: |\n\n  text\nb: >-  # c | d\n\n\n    f\n    g\nc: |\n# comment\nd: 1\n\"k|x\": |+\n  v\n- : x\n";
        // The last line makes the document invalid; cut it off.
        let src = &src[..src.len() - "- : x\n".len()];
        let index = SourceIndex::build(src);
        assert!(index.syntax_error().is_none());
        assert_value(&index, src, 0, "a", (1, 4), "|\n");
        assert_value(&index, src, 0, "b", (4, 4), ">-");
        // An empty block scalar is marked by yaml-rust2 at the next token.
        assert_value(&index, src, 0, "c", (9, 4), "|\n#");
        assert_value(&index, src, 0, "d", (11, 4), "1");
        assert_value(&index, src, 0, "[k|x]", (12, 8), "|+");
        let src = "- \"a | # b\": | # c |\n    x\n- 'it''s >': >\n    y\n- a|b>: |-\n    z\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "[0][a | # b]", (1, 14), "| # c");
        assert_value(&index, src, 0, "[1][it's >]", (3, 14), ">\n");
        assert_value(&index, src, 0, "[2][a|b>]", (5, 9), "|-");
        let src = "--- |\n  root text\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "", (1, 5), "|");
        let src = "a: >";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "a", (1, 4), ">");
    }

    #[test]
    fn implicit_nulls() {
        let src = "\
spec:
  template:
  x: ~
list:
-
- # comment - with dashes
-   
- y
- - a
  -
tail:
-";
        let index = SourceIndex::build(src);
        assert!(index.syntax_error().is_none());
        assert_value(&index, src, 0, "spec.template", (2, 3), "template:");
        assert_value(&index, src, 0, "spec.x", (3, 6), "~");
        assert_value(&index, src, 0, "list", (5, 1), "-\n");
        assert_value(&index, src, 0, "list[0]", (5, 1), "-\n");
        assert_value(&index, src, 0, "list[1]", (6, 1), "- # comment");
        assert_value(&index, src, 0, "list[2]", (7, 1), "-   ");
        assert_value(&index, src, 0, "list[3]", (8, 3), "y");
        assert_value(&index, src, 0, "list[4][1]", (10, 3), "-\ntail");
        assert_value(&index, src, 0, "tail[0]", (12, 1), "-");
        assert!(index.documents()[0].contains("list[2]"));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let src = "\
base: &b {cpu: 1, mem: 2}
other: *b
list: [*b, &s x, *s]
job:
  <<: *b
  cpu: 3
";
        let index = SourceIndex::build(src);
        let doc = &index.documents()[0];
        // A node with properties starts at its first property, as in libyaml.
        assert_value(&index, src, 0, "base", (1, 7), "&b {");
        assert_value(&index, src, 0, "list[1]", (3, 12), "&s x");
        // The alias itself is where `*b` is written.
        assert_value(&index, src, 0, "other", (2, 8), "*b");
        assert_value(&index, src, 0, "list[2]", (3, 18), "*s");
        // Paths through an alias continue in the anchored node, as serde_yaml expands it.
        assert_value(&index, src, 0, "other.mem", (1, 24), "2}");
        assert!(doc.contains("list[0].cpu"));
        // Merge keys are plain keys.
        assert_value(&index, src, 0, "job[<<]", (5, 7), "*b");
        assert_key(&index, src, 0, "job.<<", (5, 3), "<<");
        assert_value(&index, src, 0, "job.cpu", (6, 8), "3");
        assert!(!doc.contains("job.mem"));
        assert_value(&index, src, 0, "job.mem", (5, 3), "<<");
        // A self-referential node does not loop.
        let src = "a: &a [x, *a]\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "a[1][1][1][1][0]", (1, 8), "x");
    }

    #[test]
    fn alias_bomb_stays_small() {
        let mut src = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names: Vec<char> = "abcdefghij".chars().collect();
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let refs = vec![format!("*{prev}"); 9].join(",");
            src.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        let index = SourceIndex::build(&src);
        let doc = &index.documents()[0];
        assert!(doc.nodes.len() < 200, "{} nodes", doc.nodes.len());
        assert_value(&index, &src, 0, "j[8]", (10, 32), "*i]");
        assert_value(
            &index,
            &src,
            0,
            "j[8][8][8][8][8][8][8][8][8][8]",
            (1, 56),
            "\"lol\"]",
        );
    }

    #[test]
    fn non_ascii_columns_count_chars_and_offsets_count_bytes() {
        let src = "é: ü\nnäme: [ö, \"ü\"]\n# ∑∑∑\nkey: 日本語: no\n";
        let src = &src[..src.find("key").unwrap_or(src.len())];
        let src = format!("{src}日本: {{k: v}}\n");
        let index = SourceIndex::build(&src);
        let at = index.documents()[0].locate("näme[1]");
        assert_eq!(
            at,
            Position {
                offset: 19,
                line: 2,
                column: 11
            }
        );
        assert!(src[at.offset..].starts_with("\"ü\""));
        assert_value(&index, &src, 0, "é", (1, 4), "ü");
        assert_value(&index, &src, 0, "日本.k", (4, 9), "v}");
        assert_eq!(index.documents()[0].locate("日本.k").offset, 49);
        // A non-ASCII block scalar before a node makes yaml-rust2's char index drift; positions
        // come from lines and columns and stay right.
        let src = "x: 1\na: |\n  üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü\n  ü\nb: 1\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "b", (5, 4), "1");
    }

    #[test]
    fn yaml_rust2_marker_conventions() {
        // line is 1-based, col 0-based in chars, index counts chars (not bytes).
        let src = "é: ü\nc: \"ü\"\n";
        let mut parser = Parser::new_from_str(src);
        let mut marks = Vec::new();
        while let Ok((event, mark)) = parser.next_token() {
            if event == Event::StreamEnd {
                break;
            }
            if let Event::Scalar(value, ..) = event {
                marks.push((value, mark.index(), mark.line(), mark.col()));
            }
        }
        let expected = [
            ("é", 0, 1, 0),
            ("ü", 3, 1, 3),
            ("c", 5, 2, 0),
            ("ü", 8, 2, 3),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|&(v, i, l, c)| (v.to_string(), i, l, c))
            .collect();
        assert_eq!(marks, expected);
        let index = SourceIndex::build(src);
        assert_eq!(
            index.documents()[0].locate("c"),
            Position {
                offset: 10,
                line: 2,
                column: 4
            }
        );
    }

    #[test]
    fn marker_lines_and_columns_agree_with_the_char_index() {
        // Outside block scalars yaml-rust2's char index is exact, so converting its line and
        // column must land on the same char, whatever the line breaks and characters.
        let pieces = [
            "- ",
            "a",
            "é",
            "日本",
            ": ",
            "\n",
            "\r\n",
            "\r",
            "\t",
            "[",
            "]",
            "{",
            "}",
            ", ",
            "\"q\\\"\"",
            "'s''s'",
            "# c\n",
            "---\n",
            "...\n",
            "&x ",
            "*x",
            "? ",
            "k: v\n",
            "  ",
        ];
        let mut rng = Lcg(3);
        let mut marks = 0;
        for _ in 0..4_000 {
            let mut src = String::new();
            for _ in 0..rng.next() % 30 {
                src.push_str(rng.pick(&pieces));
            }
            let text = TextMap::new(&src);
            let mut parser = Parser::new_from_str(&src);
            while let Ok((event, mark)) = parser.next_token() {
                let position = text.position_of_marker(&mark);
                assert_eq!(
                    text.char_index(position.offset),
                    mark.index(),
                    "{src:?} {event:?}"
                );
                assert_eq!(position.line, mark.line().min(text.line_starts.len()));
                marks += 1;
                if event == Event::StreamEnd {
                    break;
                }
            }
        }
        assert!(marks > 10_000, "{marks}");
    }

    #[test]
    fn positions_agree_with_serde_yaml_error_locations() {
        // serde_yaml reports a type error at the start of the offending node; the index must
        // point at exactly the same place for every kind of node, whatever surrounds it.
        let values = [
            "\"str\"",
            "'it''s'",
            "plain",
            "x\ty",
            "日本",
            "|\n    text",
            ">-\n    x",
            "|  # c | d\n\n    t",
            "[1]",
            "{a: 1}",
            "&a x",
            "!!str 5",
            "&b [1]",
            "!!map {a: 1}",
            "\"multi\n    line\"",
            "&c\n    a: 1",
            "!t &d\n    - 1",
            "&e |\n    blk",
            "!!str\n    plain",
            "\n    k: v",
            "\n    - 1",
        ];
        let mut rng = Lcg(9);
        let mut compared = 0;
        for _ in 0..800 {
            let value = rng.pick(&values);
            let shape = rng.next() % 3;
            let (src, path) = match shape {
                0 => (
                    format!("é: {{}}\nouter:\n  a: 2\n  target: {value}\n"),
                    "outer.target",
                ),
                1 => (format!("ü: [1]\nitems:\n- 1\n- {value}\n"), "items[1]"),
                _ => (format!("# 日本\nitems:\n  - 1\n  - {value}\n"), "items[1]"),
            };
            let src = if rng.next().is_multiple_of(3) {
                src.replace('\n', "\r\n")
            } else {
                src
            };
            let error = if shape == 0 {
                serde_yaml::from_str::<BTreeMap<String, BTreeMap<String, i64>>>(&src).err()
            } else {
                serde_yaml::from_str::<BTreeMap<String, Vec<i64>>>(&src).err()
            };
            let Some(location) = error.and_then(|error| error.location()) else {
                continue;
            };
            let index = SourceIndex::build(&src);
            let at = index.documents()[0].locate(path);
            let expected = (location.line(), location.column(), location.index());
            assert_eq!((at.line, at.column, at.offset), expected, "{src:?}");
            compared += 1;
        }
        assert!(compared > 700, "{compared}");
    }

    #[test]
    fn crlf_lone_cr_tabs_and_bom() {
        let src = "a: 1\r\nb:\r\n  - x\r\n  - \"ö\tö\"\rc: [p,\tq]\r\nt: x\ty\n";
        let index = SourceIndex::build(src);
        assert_value(&index, src, 0, "b", (3, 3), "- x");
        assert_value(&index, src, 0, "b[1]", (4, 5), "\"ö");
        assert_value(&index, src, 0, "c[1]", (5, 8), "q]");
        assert_value(&index, src, 0, "t", (6, 4), "x\ty");
        assert_eq!(
            index
                .position_of_offset(src.find("\r\nb").unwrap_or(0) + 1)
                .line,
            1
        );

        let src = "\u{feff}a: 1\nb: {c: 2}\n";
        let index = SourceIndex::build(src);
        let doc = &index.documents()[0];
        assert!(doc.contains("a"), "the BOM is not part of the first key");
        assert_value(&index, src, 0, "a", (1, 5), "1");
        assert_key(&index, src, 0, "a", (1, 2), "a:");
        assert_value(&index, src, 0, "b.c", (2, 8), "2}");
        // serde_yaml 0.9 (libyaml) counts the BOM as a column of line 1, so `b` looks less
        // indented than `a` and the stream is rejected; callers should strip a BOM first.
        assert!(serde_documents(src).is_none());
        assert_consistent_with_serde("\u{feff}a: 1\n");
    }

    #[test]
    fn position_of_offset_clamps_and_counts_chars() {
        let src = "ab\r\nçd\re\n";
        let index = SourceIndex::build(src);
        let at = |offset| lc(index.position_of_offset(offset));
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (1, 4), "the \\n of a CRLF belongs to its line");
        assert_eq!(at(4), (2, 1));
        assert_eq!(at(5), (2, 1), "inside `ç` moves back to its start");
        assert_eq!(at(6), (2, 2));
        assert_eq!(at(8), (3, 1), "a lone CR ends a line");
        assert_eq!(at(10), (4, 1));
        assert_eq!(
            index.position_of_offset(1_000),
            Position {
                offset: 10,
                line: 4,
                column: 1
            }
        );
        let empty = SourceIndex::build("");
        assert_eq!(
            empty.position_of_offset(5),
            Position {
                offset: 0,
                line: 1,
                column: 1
            }
        );
        // Long non-ASCII lines use the checkpoints.
        let long = "ü".repeat(1_000);
        let index = SourceIndex::build(&long);
        assert_eq!(lc(index.position_of_offset(1_001)), (1, 501));
    }

    // -----------------------------------------------------------------------------------------
    // Errors, depth, size, robustness.

    #[test]
    fn syntax_errors_keep_what_was_parsed() {
        let src = "a: 1\nb:\n  c: 2\nd: e: f\ng: 3\n";
        let index = SourceIndex::build(src);
        let Some(error) = index.syntax_error() else {
            panic!("expected a syntax error");
        };
        assert_eq!(error.line, 4);
        let doc = &index.documents()[0];
        assert!(!doc.is_complete());
        assert_eq!(doc.byte_range(), 0..src.len());
        assert_value(&index, src, 0, "b.c", (3, 6), "2");
        assert!(!doc.contains("g"));

        let src = "a: 1\n---\nb: [1,\n";
        let index = SourceIndex::build(src);
        let documents = index.documents();
        assert_eq!(documents.len(), 2);
        assert!(documents[0].is_complete() && !documents[1].is_complete());
        assert_eq!(&src[documents[1].byte_range()], "---\nb: [1,\n");
        assert_value(&index, src, 1, "b[0]", (3, 5), "1,");
        // serde_yaml: one good document, then the error.
        let mut iter = serde_yaml::Deserializer::from_str(src);
        assert!(
            iter.next()
                .is_some_and(|d| serde_yaml::Value::deserialize(d).is_ok())
        );
        assert!(
            iter.next()
                .is_some_and(|d| serde_yaml::Value::deserialize(d).is_err())
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // Flow nesting: yaml-rust2 stops at 255 levels with an error; what came before is kept.
        // Its scanner looks ahead for a possible simple key, so no node comes out at all.
        let src = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let index = SourceIndex::build(&src);
        assert_eq!(index.syntax_error().map(lc), Some((1, 256)));
        let doc = &index.documents()[0];
        assert!(!doc.is_complete());
        assert_eq!(lc(doc.locate(&"[0]".repeat(10_000))), (1, 1));
        let src = format!("{}x{}", "{a: ".repeat(10_000), "}".repeat(10_000));
        let index = SourceIndex::build(&src);
        assert!(index.syntax_error().is_some());
        assert_eq!(lc(index.documents()[0].locate(&"a.".repeat(50))), (1, 1));
        // Below the limit, deep flow nesting is indexed.
        let src = format!("{}x{}", "[".repeat(250), "]".repeat(250));
        let index = SourceIndex::build(&src);
        assert!(index.syntax_error().is_none());
        assert_eq!(
            lc(index.documents()[0].locate(&"[0]".repeat(250))),
            (1, 251)
        );

        // Block nesting has no limit in yaml-rust2; the index builds it without recursion.
        let src = format!("{}x\n", "- ".repeat(10_000));
        let index = SourceIndex::build(&src);
        assert!(index.syntax_error().is_none());
        let doc = &index.documents()[0];
        assert_eq!(lc(doc.locate(&"[0]".repeat(10_000))), (1, 20_001));
        assert_eq!(lc(doc.locate(&"[0]".repeat(5_000))), (1, 10_001));
        let mut src = String::new();
        for depth in 0..1_000 {
            src.push_str(&" ".repeat(depth));
            src.push_str("k:\n");
        }
        let index = SourceIndex::build(&src);
        let doc = &index.documents()[0];
        let path = vec!["k"; 999].join(".");
        assert_eq!(lc(doc.locate(&path)), (1_000, 1_000));
        assert_eq!(doc.key(&path).map(lc), Some((999, 999)));
        assert_eq!(lc(doc.locate(&"k.".repeat(2_000))), (1_000, 1_000));
    }

    #[test]
    fn large_inputs() {
        let mut src = String::from("items:\n");
        for i in 0..50_000 {
            src.push_str(&format!(
                "- name: job-{i}\n  spec: {{parallelism: {i}, labels: {{é: ü}}}}\n"
            ));
        }
        let index = SourceIndex::build(&src);
        let doc = &index.documents()[0];
        assert_eq!(
            lc(doc.locate("items[49999].spec.parallelism")),
            (100_001, 23)
        );
        assert_eq!(lc(doc.locate("items[49999].spec.labels[é]")), (100_001, 42));
        // One long line: positions use the checkpoints, not a scan from the line start.
        let src = format!("[{}\"end\"]", "\"ü\", ".repeat(100_000));
        let index = SourceIndex::build(&src);
        assert_eq!(lc(index.documents()[0].locate("[100000]")), (1, 500_002));
    }

    #[test]
    fn never_panics_on_truncated_or_junk_input() {
        let paths = [
            "",
            "a",
            "a.b",
            "[0]",
            "[0][0]",
            "spec.template.spec.containers[0].resources.requests[cpu]",
            "metadata.labels[app.kubernetes.io/name]",
            "items[2].spec.parallelism",
            "k[0].x",
            "é",
        ];
        let mut inputs = 0;
        // Every prefix of the realistic fixtures (truncated files).
        for fixture in [JOB, LIST, SCENARIO] {
            for (i, _) in fixture.char_indices().step_by(3) {
                assert_invariants(&fixture[..i], &paths);
                inputs += 1;
            }
        }
        // Junk assembled from YAML-significant pieces.
        let pieces = [
            "-",
            " ",
            "  ",
            "\n",
            "\r\n",
            "\r",
            ":",
            ": ",
            "? ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "#",
            "&a ",
            "*a",
            "!!str ",
            "!t ",
            "|",
            ">-",
            "|+2",
            "'",
            "\"",
            "\\",
            "---",
            "...",
            "%YAML 1.2",
            "%TAG ! x:",
            "é",
            "日本",
            "\t",
            "key",
            "a",
            "0",
            "\u{feff}",
            "<<",
            "\0",
            "~",
            "k: v\n",
            "- x\n",
            "  - ",
            "\u{85}",
            "\u{2028}",
        ];
        let mut rng = Lcg(42);
        for _ in 0..3_000 {
            let mut src = String::new();
            for _ in 0..rng.next() % 40 {
                src.push_str(rng.pick(&pieces));
            }
            assert_invariants(&src, &paths);
            inputs += 1;
        }
        // Single-piece mutations of a valid manifest.
        for _ in 0..500 {
            let mut src = JOB.to_string();
            let mut at = rng.next() % src.len();
            while !src.is_char_boundary(at) {
                at -= 1;
            }
            src.insert_str(at, rng.pick(&pieces));
            assert_invariants(&src, &paths);
            inputs += 1;
        }
        assert!(inputs > 3_000);
    }
}
