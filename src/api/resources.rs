//! Compute resources as integers: CPU in millicores, memory and storage in bytes.
//!
//! Requests and limits are parsed from Kubernetes quantities once, at import, with the same
//! rounding as apimachinery (`MilliValue()` for CPU, `Value()` for everything else, both
//! rounding up). The engine only ever adds and compares integers.

use std::fmt;

/// An amount of each resource a pod requests or a node offers.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resources {
    /// CPU in millicores.
    pub cpu_millis: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage_bytes: i64,
    /// Number of pods (a node's `pods` allocatable; a pod counts as 1).
    pub pods: i64,
    /// Extended resources such as `nvidia.com/gpu`, sorted by name, with non-zero amounts.
    pub extended: Vec<(String, i64)>,
}

/// Which resource a node lacks for a pod, named as the scheduler's NodeResourcesFit plugin
/// names it in `FailedScheduling` messages ("Insufficient cpu", "Too many pods").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shortage {
    Cpu,
    Memory,
    EphemeralStorage,
    Pods,
    Extended(String),
}

impl fmt::Display for Shortage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortage::Cpu => f.write_str("Insufficient cpu"),
            Shortage::Memory => f.write_str("Insufficient memory"),
            Shortage::EphemeralStorage => f.write_str("Insufficient ephemeral-storage"),
            Shortage::Pods => f.write_str("Too many pods"),
            Shortage::Extended(name) => write!(f, "Insufficient {name}"),
        }
    }
}

impl Resources {
    pub fn new(cpu_millis: i64, memory_bytes: i64) -> Resources {
        Resources {
            cpu_millis,
            memory_bytes,
            ..Resources::default()
        }
    }

    pub fn extended(&self, name: &str) -> i64 {
        self.extended
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .map(|i| self.extended[i].1)
            .unwrap_or(0)
    }

    pub fn set_extended(&mut self, name: &str, amount: i64) {
        match self
            .extended
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
        {
            Ok(i) if amount == 0 => {
                self.extended.remove(i);
            }
            Ok(i) => self.extended[i].1 = amount,
            Err(_) if amount == 0 => {}
            Err(i) => self.extended.insert(i, (name.to_string(), amount)),
        }
    }

    /// `self += other`.
    pub fn add(&mut self, other: &Resources) {
        self.cpu_millis += other.cpu_millis;
        self.memory_bytes += other.memory_bytes;
        self.ephemeral_storage_bytes += other.ephemeral_storage_bytes;
        self.pods += other.pods;
        for (name, amount) in &other.extended {
            let cur = self.extended(name);
            self.set_extended(name, cur + amount);
        }
    }

    /// `self -= other`.
    pub fn sub(&mut self, other: &Resources) {
        self.cpu_millis -= other.cpu_millis;
        self.memory_bytes -= other.memory_bytes;
        self.ephemeral_storage_bytes -= other.ephemeral_storage_bytes;
        self.pods -= other.pods;
        for (name, amount) in &other.extended {
            let cur = self.extended(name);
            self.set_extended(name, cur - amount);
        }
    }

    /// Component-wise maximum (how init containers combine with regular containers).
    pub fn max_with(&mut self, other: &Resources) {
        self.cpu_millis = self.cpu_millis.max(other.cpu_millis);
        self.memory_bytes = self.memory_bytes.max(other.memory_bytes);
        self.ephemeral_storage_bytes = self
            .ephemeral_storage_bytes
            .max(other.ephemeral_storage_bytes);
        self.pods = self.pods.max(other.pods);
        for (name, amount) in &other.extended {
            let cur = self.extended(name);
            if *amount > cur {
                self.set_extended(name, *amount);
            }
        }
    }

    /// Every resource this request lacks on a node with `free` left, in the scheduler's
    /// reporting order. Empty means the request fits.
    pub fn shortages(&self, free: &Resources) -> Vec<Shortage> {
        let mut out = Vec::new();
        if self.pods > free.pods {
            out.push(Shortage::Pods);
        }
        if self.cpu_millis > free.cpu_millis {
            out.push(Shortage::Cpu);
        }
        if self.memory_bytes > free.memory_bytes {
            out.push(Shortage::Memory);
        }
        if self.ephemeral_storage_bytes > free.ephemeral_storage_bytes {
            out.push(Shortage::EphemeralStorage);
        }
        for (name, amount) in &self.extended {
            if *amount > free.extended(name) {
                out.push(Shortage::Extended(name.clone()));
            }
        }
        out
    }

    /// Whether this request fits into `free`.
    #[inline]
    pub fn fits_in(&self, free: &Resources) -> bool {
        self.pods <= free.pods
            && self.cpu_millis <= free.cpu_millis
            && self.memory_bytes <= free.memory_bytes
            && self.ephemeral_storage_bytes <= free.ephemeral_storage_bytes
            && (self.extended.is_empty()
                || self
                    .extended
                    .iter()
                    .all(|(name, amount)| *amount <= free.extended(name)))
    }

    pub fn is_zero(&self) -> bool {
        self.cpu_millis == 0
            && self.memory_bytes == 0
            && self.ephemeral_storage_bytes == 0
            && self.pods == 0
            && self.extended.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_sub_round_trip_with_extended() {
        let mut node = Resources::new(4000, 8 << 30);
        node.set_extended("nvidia.com/gpu", 2);
        let mut pod = Resources::new(500, 1 << 30);
        pod.pods = 1;
        pod.set_extended("nvidia.com/gpu", 1);
        let before = node.clone();
        node.add(&pod);
        assert_eq!(node.extended("nvidia.com/gpu"), 3);
        node.sub(&pod);
        assert_eq!(node, before);
    }

    #[test]
    fn shortages_name_every_missing_resource() {
        let free = Resources {
            cpu_millis: 100,
            memory_bytes: 1000,
            pods: 0,
            ..Resources::default()
        };
        let mut want = Resources::new(200, 2000);
        want.pods = 1;
        want.set_extended("nvidia.com/gpu", 1);
        let s: Vec<String> = want
            .shortages(&free)
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            s,
            vec![
                "Too many pods",
                "Insufficient cpu",
                "Insufficient memory",
                "Insufficient nvidia.com/gpu"
            ]
        );
        assert!(!want.fits_in(&free));
        assert!(Resources::new(100, 1000).fits_in(&free));
    }

    #[test]
    fn max_with_takes_componentwise_maximum() {
        let mut a = Resources::new(100, 5000);
        let b = Resources::new(300, 1000);
        a.max_with(&b);
        assert_eq!(a, Resources::new(300, 5000));
    }
}
