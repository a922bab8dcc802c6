//! Recognises a file by its first bytes, for names whose extension does not say (or says
//! `.xml`, which may be GraphML or NeuroML).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::{Format, Location, Problem, ReadError};

/// Bytes looked at (decompressed, for a gzipped file).
const HEAD: usize = 8192;

/// The first bytes of `path`, decompressed if it is gzipped.
pub fn head(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| ReadError::new(path, Location::File, Problem::Io(e.to_string()));
    let mut raw = Vec::with_capacity(HEAD);
    File::open(path)
        .map_err(io)?
        .take(HEAD as u64)
        .read_to_end(&mut raw)
        .map_err(io)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut head = Vec::with_capacity(HEAD);
    let file = File::open(path).map_err(io)?;
    // A corrupt stream still gives the bytes before the damage; the reader reports the rest.
    let _ = flate2::read::MultiGzDecoder::new(file)
        .take(HEAD as u64)
        .read_to_end(&mut head);
    Ok(head)
}

/// The format these first bytes look like, if any.
pub fn format(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PAR1") {
        return Some(Format::Parquet);
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        return match xml_root(text)?.to_ascii_lowercase().as_str() {
            "graphml" => Some(Format::GraphMl),
            "gexf" => Some(Format::Gexf),
            "neuroml" => Some(Format::NeuroMl),
            _ => None,
        };
    }
    let first_word = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split(|c: char| c.is_whitespace() || c == '[').next())
        .unwrap_or("");
    if matches!(first_word, "graph" | "Creator" | "Version") {
        return Some(Format::Gml);
    }
    let first_line = text.lines().next().unwrap_or("");
    if (first_line.contains(',') || first_line.contains('\t')) && !head.contains(&0) {
        return Some(Format::Csv);
    }
    None
}

/// The name of the first element of an XML text, past declarations and comments.
fn xml_root(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else {
            let r = rest.strip_prefix('<')?;
            let end = r.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            let name = &r[..end];
            // A namespace prefix (`<nml:neuroml>`) is not part of the name.
            return Some(name.rsplit(':').next().unwrap_or(name));
        }
    }
}

/// What the first bytes are, for the error about a file we do not read.
pub fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "the file is empty".into();
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if head.contains(&0) || std::str::from_utf8(head).is_err() && !head.starts_with(&[0x1f, 0x8b]) {
        return "not a format we know (binary data)".into();
    }
    if text.starts_with('<') {
        return match xml_root(text) {
            Some(root) => format!("an XML document whose root is <{root}>, not a format we know"),
            None => "XML we cannot make out".into(),
        };
    }
    let line: String = text.lines().next().unwrap_or("").chars().take(60).collect();
    format!("not a format we know (it starts '{line}')")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_their_first_bytes() {
        let cases: [(&[u8], Option<Format>); 9] = [
            (b"PAR1\x15\x04", Some(Format::Parquet)),
            (
                b"<?xml version=\"1.0\"?>\n<!-- hi -->\n<graphml xmlns=\"x\">",
                Some(Format::GraphMl),
            ),
            (b"\xef\xbb\xbf<gexf version=\"1.3\">", Some(Format::Gexf)),
            (b"<?xml version=\"1.0\"?><neuroml id=\"c302\">", Some(Format::NeuroMl)),
            (b"<svg/>", None),
            (b"# written by hand\ngraph [\n directed 1", Some(Format::Gml)),
            (b"Creator \"igraph\"\nVersion 1\ngraph\n[", Some(Format::Gml)),
            (b"pre,post,weight\nA,B,1\n", Some(Format::Csv)),
            (b"hello world\n", None),
        ];
        for (head, want) in cases {
            assert_eq!(format(head), want, "{}", String::from_utf8_lossy(head));
        }
        assert!(describe(b"<svg/>").contains("<svg>"));
        assert!(describe(b"hello world\n").contains("'hello world'"));
    }
}
