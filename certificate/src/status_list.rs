//! The IETF OAuth Token Status List (draft-ietf-oauth-status-list): two bits
//! per entry (VALID 0, INVALID 1, SUSPENDED 2), index 0 in the least
//! significant bits of the first byte, the byte array zlib-compressed in `lst`.
//! The signed forms (CWT and JWT) are in `status_list_token`.

use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::Invalid;

/// A decompressed list larger than this is refused (a zlib bomb).
const MAX_BYTES: u64 = 16 << 20;
/// Bits per entry in the lists this office publishes.
pub const BITS: u8 = 2;

/// The status of one certificate or credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Genuine and current.
    Valid,
    /// Revoked or superseded, for good.
    Invalid,
    /// Not current for now; may become valid again.
    Suspended,
}

impl Status {
    /// The entry's value in the list.
    pub fn value(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Invalid => 1,
            Status::Suspended => 2,
        }
    }

    /// The status of a list value; the draft leaves 3 to applications, and
    /// a value this office never writes is not a reason to accept.
    pub fn from_value(value: u8) -> Status {
        match value {
            0 => Status::Valid,
            2 => Status::Suspended,
            _ => Status::Invalid,
        }
    }

    /// `VALID`, `INVALID` or `SUSPENDED`, as the draft names them.
    pub fn name(self) -> &'static str {
        match self {
            Status::Valid => "VALID",
            Status::Invalid => "INVALID",
            Status::Suspended => "SUSPENDED",
        }
    }
}

/// A list of `bits`-wide status values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl Default for StatusList {
    fn default() -> Self {
        StatusList::new(0)
    }
}

impl StatusList {
    /// A two-bit list covering indexes `0..len` (rounded up to whole bytes), all VALID.
    pub fn new(len: u64) -> StatusList {
        StatusList {
            bits: BITS,
            bytes: vec![0; (len * BITS as u64).div_ceil(8) as usize],
        }
    }

    /// Bits per entry (1, 2, 4 or 8).
    pub fn bits(&self) -> u8 {
        self.bits
    }

    fn place(&self, idx: u64) -> (u64, u32) {
        let per_byte = 8 / self.bits as u64;
        (idx / per_byte, ((idx % per_byte) * self.bits as u64) as u32)
    }

    /// Sets the status at `idx`, growing the list when needed.
    pub fn set(&mut self, idx: u64, status: Status) {
        let (byte, shift) = self.place(idx);
        let byte = byte as usize;
        if byte >= self.bytes.len() {
            self.bytes.resize(byte + 1, 0);
        }
        let mask = ((1u16 << self.bits) - 1) as u8;
        self.bytes[byte] = (self.bytes[byte] & !(mask << shift)) | (status.value() << shift);
    }

    /// The raw value at `idx`; None when the list does not cover it.
    pub fn value(&self, idx: u64) -> Option<u8> {
        let (byte, shift) = self.place(idx);
        let byte = self.bytes.get(usize::try_from(byte).ok()?)?;
        let mask = ((1u16 << self.bits) - 1) as u8;
        Some((byte >> shift) & mask)
    }

    /// The status at `idx`; None when the list does not cover it.
    pub fn status(&self, idx: u64) -> Option<Status> {
        self.value(idx).map(Status::from_value)
    }

    /// How many indexes the list covers.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 * 8 / self.bits as u64
    }

    /// Whether the list covers no index.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The uncompressed bytes (what an ETag can be computed from).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The zlib-compressed byte array (`lst`).
    pub fn compress(&self) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        // Writing into memory does not fail.
        let _ = encoder.write_all(&self.bytes);
        encoder.finish().unwrap_or_default()
    }

    /// The list of `bits` from `lst`.
    pub fn decompress(bits: u8, lst: &[u8]) -> Result<StatusList, Invalid> {
        if ![1, 2, 4, 8].contains(&bits) {
            return Err(Invalid::StatusList("bits must be 1, 2, 4 or 8"));
        }
        let mut bytes = Vec::new();
        ZlibDecoder::new(lst)
            .take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| Invalid::StatusList("lst is not zlib"))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(Invalid::StatusList("lst is too large"));
        }
        Ok(StatusList { bits, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_bit_entries_are_packed_as_in_the_draft() {
        // The draft's 2-bit example: statuses 1,2,0,3 at 0..4 give 0xC9;
        // 3 is not a value we write, so set the raw bits through `value`.
        let mut list = StatusList::new(8);
        list.set(0, Status::Invalid);
        list.set(1, Status::Suspended);
        list.bytes[0] |= 3 << 6;
        assert_eq!(list.bytes[0], 0xC9);
        assert_eq!(list.status(0), Some(Status::Invalid));
        assert_eq!(list.status(1), Some(Status::Suspended));
        assert_eq!(list.status(2), Some(Status::Valid));
        assert_eq!(list.value(3), Some(3));
        assert_eq!(list.status(3), Some(Status::Invalid), "3 is not VALID");
        assert_eq!(list.status(8), None);
        // A suspension lifted is VALID again; setting never touches neighbours.
        list.set(1, Status::Valid);
        assert_eq!(list.bytes[0], 0xC1);
        list.set(100, Status::Suspended);
        assert_eq!(list.len(), 104);
        let back = StatusList::decompress(2, &list.compress()).unwrap();
        assert_eq!(back, list);
    }

    #[test]
    fn one_bit_lists_still_read_and_zlib_bombs_do_not() {
        // A one-bit list (what this office published before): 0xB9 is
        // 1,0,0,1,1,1,0,1 at 0..8.
        let old = StatusList {
            bits: 1,
            bytes: vec![0xB9],
        };
        let back = StatusList::decompress(1, &old.compress()).unwrap();
        assert_eq!(back.status(0), Some(Status::Invalid));
        assert_eq!(back.status(1), Some(Status::Valid));
        assert_eq!(back.status(7), Some(Status::Invalid));
        assert_eq!(back.len(), 8);
        assert!(StatusList::decompress(3, &old.compress()).is_err());
        let bomb = StatusList {
            bits: 2,
            bytes: vec![0; (MAX_BYTES + 1) as usize],
        };
        assert!(StatusList::decompress(2, &bomb.compress()).is_err());
    }
}
