//! Threads rebuilt from reply links in bounded memory, for readers whose replies can link
//! to any record of their input (social CSV, e-mail).
//!
//! The reader keeps only the reply graph in memory (a parent index per post) and stages
//! each post's body in [`Staging`], a [`SpillStore`] that writes past its limit to
//! temporary files. Once the input is read, [`thread_roots`] resolves every post's thread
//! root, and [`Staging::regroup`] moves the posts to their root's partition through a
//! second store and hands over one partition of threads at a time. Memory: the graph,
//! plus about the limit (shared by the two stores), plus one partition.

use std::collections::BTreeMap;

use crate::ingest::record::{Cursor, TRUNCATED};
use crate::spill::{PARTITIONS, SpillStore};

/// The root of every post: parent links followed to the first post without a parent; a
/// cycle (corrupt links) ends at the post where it closes.
pub fn thread_roots(parents: &[Option<u32>]) -> Vec<u32> {
    let mut root: Vec<Option<u32>> = vec![None; parents.len()];
    let mut chain = Vec::new();
    for start in 0..parents.len() as u32 {
        chain.clear();
        let mut at = start;
        let r = loop {
            if let Some(r) = root[at as usize] {
                break r;
            }
            chain.push(at);
            match parents[at as usize] {
                Some(parent) if !chain.contains(&parent) => at = parent,
                _ => break at,
            }
        };
        for &c in &chain {
            root[c as usize] = Some(r);
        }
    }
    root.into_iter().map(|r| r.unwrap_or_default()).collect()
}

/// One partition's threads: root → its posts as (index, body), in index order.
pub type Threads<'b> = BTreeMap<u32, Vec<(u32, &'b [u8])>>;

/// Post bodies staged by post index until their threads are known.
pub struct Staging {
    store: SpillStore,
    memory: usize,
    record: Vec<u8>,
}

impl Staging {
    /// Keeps up to about `memory` bytes in memory, the rest in temporary files: half for
    /// the posts as staged, half for the posts regrouped by root (both stores are alive
    /// while posts move from one to the other).
    pub fn new(memory: usize) -> Staging {
        Staging {
            store: SpillStore::new(memory / 2),
            memory: memory / 2,
            record: Vec::new(),
        }
    }

    /// Stages post `index`, whose body `write` appends.
    pub fn push(&mut self, index: u32, write: impl FnOnce(&mut Vec<u8>)) -> std::io::Result<()> {
        self.record.clear();
        self.record.extend_from_slice(&index.to_le_bytes());
        self.record.extend_from_slice(&[0; 4]);
        write(&mut self.record);
        let len = (self.record.len() - 8) as u32;
        self.record[4..8].copy_from_slice(&len.to_le_bytes());
        self.store
            .push(index as usize % PARTITIONS, &[&self.record])
            .map_err(std::io::Error::other)
    }

    /// Moves every post to the partition of `roots[index]`, then calls `partition` with
    /// each partition's threads in turn.
    pub fn regroup(
        self,
        roots: &[u32],
        partition: &mut dyn FnMut(Threads<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let by_root = SpillStore::new(self.memory);
        for part in self.store.take_partitions() {
            let bytes = part.load().map_err(std::io::Error::other)?;
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let (whole, tail) = split(rest)?;
                let index = u32::from_le_bytes(whole[..4].try_into().expect("4 bytes"));
                let root = roots.get(index as usize).copied().unwrap_or(index);
                by_root
                    .push(root as usize % PARTITIONS, &[&root.to_le_bytes(), whole])
                    .map_err(std::io::Error::other)?;
                rest = tail;
            }
        }
        for part in by_root.take_partitions() {
            let bytes = part.load().map_err(std::io::Error::other)?;
            let mut threads = Threads::new();
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let mut c = Cursor(rest);
                let root = c.u32().map_err(std::io::Error::other)?;
                let (whole, tail) = split(c.0)?;
                let index = u32::from_le_bytes(whole[..4].try_into().expect("4 bytes"));
                threads.entry(root).or_default().push((index, &whole[8..]));
                rest = tail;
            }
            for members in threads.values_mut() {
                members.sort_by_key(|&(i, _)| i);
            }
            partition(threads)?;
        }
        Ok(())
    }
}

/// Splits one staged record (index, length, body) off `bytes`.
fn split(bytes: &[u8]) -> std::io::Result<(&[u8], &[u8])> {
    let mut c = Cursor(bytes);
    c.u32().map_err(std::io::Error::other)?;
    let len = c.u32().map_err(std::io::Error::other)? as usize;
    bytes
        .split_at_checked(8 + len)
        .ok_or_else(|| std::io::Error::other(TRUNCATED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_parents_and_stop_at_cycles() {
        // 0 ← 1 ← 2; 3 alone; 4 ↔ 5 (a cycle: 4 is reached first and closes it at 5).
        let parents = [None, Some(0), Some(1), None, Some(5), Some(4)];
        assert_eq!(thread_roots(&parents), [0, 0, 0, 3, 5, 5]);
        assert!(thread_roots(&[]).is_empty());
    }

    #[test]
    fn regrouping_spilled_posts_gives_each_thread_in_order() {
        let roots: Vec<u32> = (0..500).map(|i| i / 5 * 5).collect();
        let mut staging = Staging::new(256);
        for i in (0..500u32).rev() {
            staging
                .push(i, |out| {
                    out.extend_from_slice(format!("post {i}").as_bytes())
                })
                .unwrap();
        }
        let mut seen = Vec::new();
        let mut partitions = 0;
        staging
            .regroup(&roots, &mut |threads| {
                partitions += 1;
                for (root, members) in threads {
                    let bodies: Vec<String> = members
                        .iter()
                        .map(|(_, b)| String::from_utf8(b.to_vec()).unwrap())
                        .collect();
                    let want: Vec<String> = (root..root + 5).map(|i| format!("post {i}")).collect();
                    assert_eq!(bodies, want);
                    seen.push(root);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(partitions, PARTITIONS);
        seen.sort_unstable();
        assert_eq!(seen, (0..100).map(|r| r * 5).collect::<Vec<_>>());
    }
}
