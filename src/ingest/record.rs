//! A compact binary record framing for readers that stage posts in a
//! [`crate::spill::SpillStore`]: little-endian integers and length-prefixed strings,
//! written by [`put_str`] and friends and read back with a [`Cursor`].

/// The error of a record that ends early (a damaged temporary file).
pub const TRUNCATED: &str = "truncated record in a temporary file";

/// A stable 64-bit hash (FNV-1a) of an id, for reply graphs that keep ids compactly.
pub fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Appends `s` with its length.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends an optional string: a presence byte, then the string.
pub fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

/// Reads the fields the `put_*` functions and `to_le_bytes` wrote, in order.
pub struct Cursor<'b>(pub &'b [u8]);

impl<'b> Cursor<'b> {
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'b [u8], String> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(TRUNCATED)?;
        self.0 = rest;
        Ok(head)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A string written by [`put_str`].
    pub fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|e| e.to_string())
    }

    /// An optional string written by [`put_opt`].
    pub fn opt(&mut self) -> Result<Option<String>, String> {
        match self.u8()? {
            0 => Ok(None),
            _ => self.string().map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_truncation_is_an_error() {
        let mut out = Vec::new();
        put_str(&mut out, "héllo 😀");
        put_opt(&mut out, None);
        put_opt(&mut out, Some("x"));
        out.extend_from_slice(&(-5i64).to_le_bytes());
        let mut c = Cursor(&out);
        assert_eq!(c.string().unwrap(), "héllo 😀");
        assert_eq!(c.opt().unwrap(), None);
        assert_eq!(c.opt().unwrap().as_deref(), Some("x"));
        assert_eq!(c.i64().unwrap(), -5);
        assert!(c.0.is_empty());
        assert_eq!(Cursor(&out[..3]).string().unwrap_err(), TRUNCATED);
    }
}
