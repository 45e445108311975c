//! Demo hash lists: a platform's list of known abuse imagery shared with law enforcement, and a
//! hotline's sextortion list shared with every member. Values are random PDQ hashes (and MD5s)
//! from the dataset's seed, plus one known value so that a tour can show a match: the PDQ hash
//! of the reference test image `bridge-mods/aaa-orig.jpg`.

use model::hashlist::{HashCategory, HashEntryInput, HashKind};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::orgs::{AGENCY, HOTLINE, ORGS, PLATFORM, POLICE};

/// The PDQ hash of the reference test image `bridge-mods/aaa-orig.jpg`, first entry of the
/// platform's list.
pub const KNOWN_PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// A hash set of the demo, with its entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoHashSet {
    /// The owner organisation's name.
    pub owner: String,
    pub name: String,
    pub category: HashCategory,
    pub source: String,
    pub description: String,
    pub tlp: String,
    /// Organisations the set is shared with.
    pub audience: Vec<String>,
    pub entries: Vec<HashEntryInput>,
}

fn pdq(rng: &mut ChaCha8Rng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.random::<u64>())).collect()
}

pub(crate) fn hash_sets(rng: &mut ChaCha8Rng, size: usize) -> Vec<DemoHashSet> {
    let name = |i: usize| ORGS[i].name.to_string();
    let mut known: Vec<HashEntryInput> = vec![HashEntryInput {
        kind: HashKind::Pdq,
        value: KNOWN_PDQ.into(),
        quality: Some(100),
        label: Some("demo: reference test image (bridge)".into()),
    }];
    known.extend((1..size).map(|i| HashEntryInput {
        kind: HashKind::Pdq,
        value: pdq(rng),
        // A few low-quality entries: kept, never matched.
        quality: Some(if i % 97 == 0 { rng.random_range(10..50) } else { rng.random_range(50..=100) }),
        label: Some(format!("case-{:05}", i / 7)),
    }));
    let md5s = (0..size / 10).map(|i| HashEntryInput {
        kind: HashKind::Md5,
        value: format!("{:032x}", rng.random::<u128>()),
        quality: None,
        label: Some(format!("file-{i:05}")),
    });
    known.extend(md5s);
    let sextortion = (0..size / 20)
        .map(|i| HashEntryInput {
            kind: HashKind::Pdq,
            value: pdq(rng),
            quality: Some(rng.random_range(60..=100)),
            label: Some(format!("victim report {i:04}")),
        })
        .collect();
    vec![
        DemoHashSet {
            owner: name(PLATFORM),
            name: "Known abuse imagery".into(),
            category: HashCategory::Csam,
            source: "trust & safety moderation queue, confirmed by two reviewers".into(),
            description: "PDQ hashes (quality kept) and MD5s of confirmed material".into(),
            tlp: "AMBER".into(),
            audience: vec![name(POLICE), name(AGENCY)],
            entries: known,
        },
        DemoHashSet {
            owner: name(HOTLINE),
            name: "Sextortion images reported by victims".into(),
            category: HashCategory::Ncii,
            source: "victims' reports to the hotline, hashed on their devices".into(),
            description: "share to have copies taken down".into(),
            tlp: "GREEN".into(),
            audience: vec![],
            entries: sextortion,
        },
    ]
}
