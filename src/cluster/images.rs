//! Container images: how long a pull takes, and what each node already has.
//!
//! The kubelet pulls a container's image before starting it (`pkg/kubelet/images/
//! image_manager.go` `EnsureImageExists`):
//! - `IfNotPresent`: only when the node does not have the image yet;
//! - `Always`: on every container start (jobsim charges the full pull time each time);
//! - `Never`: never (the image is assumed to be on the node).
//!
//! With `serializeImagePulls: true` (the KubeletConfiguration default,
//! `pkg/kubelet/apis/config/v1beta1/defaults.go`) a node pulls one image at a time, first
//! come first served; otherwise pulls run in parallel. Two pods that need the same image
//! while it is being pulled share that pull. Image garbage collection is not modelled: a
//! pulled image stays on its node.

use std::collections::BTreeMap;

use crate::api::job::{ImagePullPolicy, PodTemplate};
use crate::engine::time::SimTime;
use crate::workload::Distribution;

/// Image pull timing of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ImagePullConfig {
    /// Pull time of images without their own entry.
    pub default: Distribution,
    /// Pull time by image reference.
    pub images: BTreeMap<String, Distribution>,
    /// `serializeImagePulls`.
    pub serialize: bool,
}

impl Default for ImagePullConfig {
    /// Pulls take no time: image pulls are off.
    fn default() -> Self {
        ImagePullConfig {
            default: Distribution::ZERO,
            images: BTreeMap::new(),
            serialize: true,
        }
    }
}

impl ImagePullConfig {
    /// Whether any pull can take time.
    pub fn enabled(&self) -> bool {
        !self.default.is_zero() || self.images.values().any(|d| !d.is_zero())
    }
}

/// Interned image references and their pull times.
#[derive(Clone, Debug)]
pub struct ImageTable {
    ids: BTreeMap<String, u32>,
    names: Vec<String>,
    pull_time: Vec<Distribution>,
    /// Pull time of images without their own entry.
    default: Distribution,
    pub serialize: bool,
    enabled: bool,
}

/// An image a pod needs, in the order its containers start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageNeed {
    pub image: u32,
    pub policy: ImagePullPolicy,
}

impl Default for ImageTable {
    fn default() -> Self {
        ImageTable::new(&ImagePullConfig::default())
    }
}

impl ImageTable {
    pub fn new(config: &ImagePullConfig) -> ImageTable {
        let mut t = ImageTable {
            ids: BTreeMap::new(),
            names: Vec::new(),
            pull_time: Vec::new(),
            serialize: config.serialize,
            enabled: config.enabled(),
            default: config.default.clone(),
        };
        for (name, d) in &config.images {
            let id = t.intern(name);
            t.pull_time[id as usize] = d.clone();
        }
        t
    }

    /// Whether pulls are modelled at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The id of an image reference, adding it with the default pull time if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        self.pull_time.push(self.default.clone());
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Images known so far; ids run from 0 to `count() - 1`.
    pub fn count(&self) -> usize {
        self.names.len()
    }

    pub fn pull_time(&self, id: u32) -> &Distribution {
        &self.pull_time[id as usize]
    }

    /// The images of a pod template: init containers first, then regular containers, each
    /// image once (its first container's policy).
    pub fn needs(&mut self, tpl: &PodTemplate) -> Vec<ImageNeed> {
        let mut out: Vec<ImageNeed> = Vec::new();
        for c in tpl.init_containers.iter().chain(&tpl.containers) {
            let image = self.intern(&c.image);
            if out.iter().all(|n| n.image != image) {
                out.push(ImageNeed {
                    image,
                    policy: c.image_pull_policy,
                });
            }
        }
        out
    }
}

/// The images on one node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeImages {
    /// `(image, present from)`: a pull in progress has a time in the future.
    present: Vec<(u32, SimTime)>,
    /// When the node's puller is free (serialized pulls).
    pub puller_free: SimTime,
    /// Pulls started on this node (keys the random stream of the next pull).
    pub pulls: u64,
}

impl NodeImages {
    /// Images present from the start.
    pub fn preloaded(images: impl IntoIterator<Item = u32>) -> NodeImages {
        NodeImages {
            present: images.into_iter().map(|i| (i, SimTime::ZERO)).collect(),
            ..NodeImages::default()
        }
    }

    /// When `image` is (or will be) on the node, if it is or a pull is under way.
    pub fn present_from(&self, image: u32) -> Option<SimTime> {
        self.present
            .iter()
            .find(|&&(i, _)| i == image)
            .map(|&(_, t)| t)
    }

    /// Records a pull of `image` that completes at `done`.
    pub fn pulled(&mut self, image: u32, done: SimTime) {
        match self.present.iter_mut().find(|(i, _)| *i == image) {
            Some((_, t)) => *t = (*t).min(done),
            None => self.present.push((image, done)),
        }
    }

    /// The node went down: pulls in progress are lost, pulled images stay on disk.
    pub fn abort_pulls(&mut self, now: SimTime) {
        self.present.retain(|&(_, t)| t <= now);
        self.puller_free = self.puller_free.min(now);
    }

    /// Images on the node (or being pulled), by id.
    pub fn len(&self) -> usize {
        self.present.len()
    }

    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimDuration;

    #[test]
    fn interning_gives_stable_ids_and_per_image_pull_times() {
        let mut cfg = ImagePullConfig {
            default: Distribution::Fixed(SimDuration::from_secs(5)),
            ..ImagePullConfig::default()
        };
        cfg.images.insert(
            "big:1".into(),
            Distribution::Fixed(SimDuration::from_secs(60)),
        );
        let mut t = ImageTable::new(&cfg);
        assert!(t.enabled());
        let big = t.intern("big:1");
        let small = t.intern("small:1");
        assert_eq!(t.intern("small:1"), small);
        assert_eq!(
            t.pull_time(big),
            &Distribution::Fixed(SimDuration::from_secs(60))
        );
        assert_eq!(
            t.pull_time(small),
            &Distribution::Fixed(SimDuration::from_secs(5))
        );
        assert_eq!(t.name(small), "small:1");
    }

    #[test]
    fn zero_pull_times_turn_pulls_off() {
        assert!(!ImagePullConfig::default().enabled());
    }

    #[test]
    fn a_pull_in_progress_counts_as_present_from_its_end() {
        let mut n = NodeImages::preloaded([3]);
        assert_eq!(n.present_from(3), Some(SimTime::ZERO));
        assert_eq!(n.present_from(4), None);
        n.pulled(4, SimTime::from_secs(9));
        assert_eq!(n.present_from(4), Some(SimTime::from_secs(9)));
        // A later Always pull does not make the image absent meanwhile.
        n.pulled(4, SimTime::from_secs(20));
        assert_eq!(n.present_from(4), Some(SimTime::from_secs(9)));
        assert_eq!(n.len(), 2);
    }
}
