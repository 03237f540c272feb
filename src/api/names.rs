//! Object names as the API server generates them.
//!
//! `metadata.generateName` gets five random characters appended, drawn from the alphabet of
//! apiserver's `names.SimpleNameGenerator` (`k8s.io/apimachinery/pkg/util/rand.String`),
//! which leaves out vowels and look-alike characters. jobsim draws the suffix from a stream
//! keyed by the object (see `engine::rng`), so names are reproducible.

use rand::RngExt;

/// `k8s.io/apimachinery/pkg/util/rand`: "bcdfghjklmnpqrstvwxz2456789".
const ALPHANUMS: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// Length of the random suffix appended to a generateName.
pub const RANDOM_LENGTH: usize = 5;

/// Upstream's `maxGeneratedNameLength`: the prefix is cut so that prefix + suffix ≤ 63.
const MAX_GENERATED_NAME_LENGTH: usize = 63 - RANDOM_LENGTH;

/// A five-character random suffix.
pub fn random_suffix<R: rand::Rng + ?Sized>(rng: &mut R) -> [u8; RANDOM_LENGTH] {
    let mut out = [0u8; RANDOM_LENGTH];
    for c in &mut out {
        *c = ALPHANUMS[rng.random_range(0..ALPHANUMS.len())];
    }
    out
}

/// A five-character suffix from the digits of `h` in base 27 (27^5 is far below 2^64, so
/// every suffix is as likely as the next).
pub fn suffix_from_hash(h: u64) -> [u8; RANDOM_LENGTH] {
    let n = ALPHANUMS.len() as u32;
    // The five lowest digits of `h` are those of `h mod 27^5`, which fits 32 bits: one
    // 64-bit division instead of five (names are made for every pod).
    let mut rest = (h % u64::from(n.pow(RANDOM_LENGTH as u32))) as u32;
    let mut out = [0u8; RANDOM_LENGTH];
    for c in &mut out {
        *c = ALPHANUMS[(rest % n) as usize];
        rest /= n;
    }
    out
}

/// The name the API server gives an object created with `generateName: prefix`.
pub fn generate_name(prefix: &str, suffix: &[u8; RANDOM_LENGTH]) -> String {
    let mut name = String::with_capacity(prefix.len() + RANDOM_LENGTH);
    let cut = if prefix.len() > MAX_GENERATED_NAME_LENGTH {
        // Prefixes are validated DNS names, hence ASCII: byte slicing is safe.
        &prefix[..MAX_GENERATED_NAME_LENGTH]
    } else {
        prefix
    };
    name.push_str(cut);
    for &c in suffix {
        name.push(c as char);
    }
    name
}

/// Whether `s` is a DNS-1123 label (lowercase alphanumerics and '-', starting and ending
/// alphanumeric, at most 63 characters), as `validation.IsDNS1123Label` checks.
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.as_bytes()[0] != b'-'
        && s.as_bytes()[s.len() - 1] != b'-'
}

/// Whether `s` is a DNS-1123 subdomain (labels joined by '.', at most 253 characters), as
/// `validation.IsDNS1123Subdomain` checks; object names must be subdomains.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && label.as_bytes()[0] != b'-'
                && label.as_bytes()[label.len() - 1] != b'-'
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The five lowest base-27 digits of `h`, lowest first, one division at a time.
    fn digits(mut h: u64) -> [u8; RANDOM_LENGTH] {
        std::array::from_fn(|_| {
            let c = ALPHANUMS[(h % 27) as usize];
            h /= 27;
            c
        })
    }

    #[test]
    fn a_hash_suffix_is_its_five_lowest_base_27_digits() {
        let mut h = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..1000 {
            assert_eq!(suffix_from_hash(h), digits(h), "{h}");
            h = crate::engine::rng::mix64(h);
        }
        assert_eq!(&suffix_from_hash(0), b"bbbbb");
        assert_eq!(suffix_from_hash(u64::MAX), digits(u64::MAX));
    }

    #[test]
    fn suffixes_use_the_apiserver_alphabet() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100 {
            let s = random_suffix(&mut rng);
            assert!(s.iter().all(|c| ALPHANUMS.contains(c)));
        }
    }

    #[test]
    fn generated_names_are_cut_to_63_characters() {
        let long = "a".repeat(70);
        let name = generate_name(&long, b"bcdfg");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("bcdfg"));
        assert_eq!(generate_name("pi-", b"x2z4q"), "pi-x2z4q");
    }

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("pi-7"));
        assert!(!is_dns1123_label("Pi"));
        assert!(!is_dns1123_label("-pi"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns1123_subdomain("a.b-c.d"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(!is_dns1123_subdomain("a_b"));
    }
}

/// The name of a Job's pod: `<job>-<suffix>`, or `<job>-<index>-<suffix>` for Indexed Jobs
/// (`podGenerateNameWithIndex` in `indexed_job_utils.go`: the Job name is cut so that the
/// prefix keeps its index within 58 characters).
pub fn pod_name(job_name: &str, index: Option<u32>, suffix: &[u8; RANDOM_LENGTH]) -> String {
    let mut name = String::with_capacity(job_name.len() + 8 + RANDOM_LENGTH);
    pod_name_into(&mut name, job_name, index, suffix);
    name
}

/// [`pod_name`], appended to `out` (output writers reuse one buffer for every row).
pub fn pod_name_into(
    out: &mut String,
    job_name: &str,
    index: Option<u32>,
    suffix: &[u8; RANDOM_LENGTH],
) {
    let start = out.len();
    out.push_str(job_name);
    match index {
        None => out.push('-'),
        Some(i) => {
            out.push('-');
            out.push_str(itoa::Buffer::new().format(i));
            out.push('-');
            if out.len() - start > MAX_GENERATED_NAME_LENGTH {
                // The Job name gives way to "-<index>-" (rare: only names near 63 bytes).
                let append = out[start + job_name.len()..].to_string();
                let keep = MAX_GENERATED_NAME_LENGTH.saturating_sub(append.len());
                out.truncate(start + keep.min(job_name.len()));
                out.push_str(&append);
            }
        }
    }
    // generateName: the prefix is cut to leave room for the random suffix. Names are
    // validated DNS names, hence ASCII: byte truncation is safe.
    if out.len() - start > MAX_GENERATED_NAME_LENGTH {
        out.truncate(start + MAX_GENERATED_NAME_LENGTH);
    }
    for &c in suffix {
        out.push(c as char);
    }
}

#[cfg(test)]
mod pod_name_tests {
    use super::*;

    #[test]
    fn pod_names_follow_the_job_controller() {
        assert_eq!(pod_name("pi", None, b"x2z4q"), "pi-x2z4q");
        assert_eq!(pod_name("sim", Some(7), b"x2z4q"), "sim-7-x2z4q");
        let long = "j".repeat(60);
        let name = pod_name(&long, Some(12), b"bcdfg");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("-12-bcdfg"));
    }
}
