//! NumPy's `.npy` format (version 1.0) for one-dimensional little-endian arrays: what the
//! exported NEST script loads its connections and realised inputs from. The format: the magic
//! `\x93NUMPY`, version 1.0, a little-endian u16 header length, a Python dict literal padded
//! with spaces to a multiple of 64 bytes and ended by a newline, then the raw data
//! (<https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html>).

use std::io::{self, Write};

/// An element type we write: its NumPy `descr` and little-endian bytes.
pub trait Element: Copy {
    const DESCR: &'static str;
    fn put(self, out: &mut Vec<u8>);
}

impl Element for f64 {
    const DESCR: &'static str = "<f8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Element for u32 {
    const DESCR: &'static str = "<u4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Element for u64 {
    const DESCR: &'static str = "<u8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

const MAGIC: &[u8] = b"\x93NUMPY\x01\x00";

/// Writes `data` as a one-dimensional array.
pub fn write<T: Element>(data: &[T], out: &mut dyn Write) -> io::Result<()> {
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({},), }}",
        T::DESCR,
        data.len()
    );
    // magic (8) + length (2) + dict + padding + '\n' is a multiple of 64.
    let unpadded = MAGIC.len() + 2 + dict.len() + 1;
    let header_len = dict.len() + 1 + (64 - unpadded % 64) % 64;
    let header_len = u16::try_from(header_len).map_err(|_| io::Error::other("npy header too long"))?;
    out.write_all(MAGIC)?;
    out.write_all(&header_len.to_le_bytes())?;
    out.write_all(dict.as_bytes())?;
    out.write_all(&vec![b' '; header_len as usize - dict.len() - 1])?;
    out.write_all(b"\n")?;
    let mut bytes = Vec::with_capacity(std::mem::size_of_val(data));
    for &x in data {
        x.put(&mut bytes);
    }
    out.write_all(&bytes)
}

/// A one-dimensional array read back: its `descr` and raw little-endian data.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub descr: String,
    pub len: usize,
    pub data: Vec<u8>,
}

impl Array {
    /// The elements as f64 (`<f8` only).
    pub fn f64s(&self) -> Option<Vec<f64>> {
        (self.descr == "<f8").then(|| {
            let chunks = self.data.chunks_exact(8);
            chunks.map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
        })
    }

    /// The elements as u64 (`<u4` or `<u8`).
    pub fn u64s(&self) -> Option<Vec<u64>> {
        match self.descr.as_str() {
            "<u4" => Some(
                self.data
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes(c.try_into().unwrap()) as u64)
                    .collect(),
            ),
            "<u8" => Some(
                self.data
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Reads a one-dimensional array as [`write`] writes it (for tests and checks).
pub fn read(bytes: &[u8]) -> Result<Array, String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not an .npy 1.0 file")?;
    let len_bytes: [u8; 2] = rest.get(..2).ok_or("truncated header")?.try_into().unwrap();
    let header_len = u16::from_le_bytes(len_bytes) as usize;
    let header = std::str::from_utf8(rest.get(2..2 + header_len).ok_or("truncated header")?)
        .map_err(|_| "the header is not text")?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}': "))? + key.len() + 4;
        let end = header[at..].find([',', '}'])? + at;
        Some(header[at..end].trim())
    };
    let descr = field("descr").ok_or("no descr")?.trim_matches('\'').to_owned();
    if field("fortran_order") != Some("False") {
        return Err("only C-order arrays".into());
    }
    let shape_at = header.find("'shape': (").ok_or("no shape")? + 10;
    let shape_end = header[shape_at..].find(')').ok_or("bad shape")? + shape_at;
    let dims: Vec<&str> = header[shape_at..shape_end]
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let [dim] = dims[..] else {
        return Err(format!("only one-dimensional arrays (shape {dims:?})"));
    };
    let len: usize = dim.parse().map_err(|_| format!("bad shape '{dim}'"))?;
    let size = match descr.as_str() {
        "<f8" | "<u8" | "<i8" => 8,
        "<u4" | "<i4" => 4,
        other => return Err(format!("unsupported dtype '{other}'")),
    };
    let data = &rest[2 + header_len..];
    if data.len() != len * size {
        return Err(format!("{} data bytes for {len} elements of {size} bytes", data.len()));
    }
    Ok(Array {
        descr,
        len,
        data: data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_an_aligned_header() {
        let mut bytes = Vec::new();
        write(&[1.5f64, -2.0, 1e300], &mut bytes).unwrap();
        let header_end = 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!(header_end % 64, 0);
        assert_eq!(bytes[header_end - 1], b'\n');
        let a = read(&bytes).unwrap();
        assert_eq!(a.f64s().unwrap(), [1.5, -2.0, 1e300]);
        let mut bytes = Vec::new();
        write(&[7u32, 0, u32::MAX], &mut bytes).unwrap();
        assert_eq!(read(&bytes).unwrap().u64s().unwrap(), [7, 0, u32::MAX as u64]);
        assert!(read(&bytes[..bytes.len() - 1]).is_err());
    }
}
