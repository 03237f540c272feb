//! jobsim's own model of the Kubernetes objects it simulates.
//!
//! These types hold exactly what the simulation needs, already defaulted and validated.
//! They are built from k8s-openapi types in `input::manifest`, and k8s-openapi types never
//! appear outside `input` (see docs/ARCHITECTURE.md).

pub mod intervals;
pub mod job;
pub mod names;
pub mod pod;
pub mod quantity;
pub mod quota;
pub mod resources;
pub mod version;

/// Index of a Job in the simulation's Job table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u32);

/// Index of a live Pod in the simulation's pod slab. Slots are reused once a pod object is
/// gone, so a `PodId` is only meaningful while the pod exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodId(pub u32);

/// Index of a Node in the cluster's node table (nodes are never removed, only marked gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl JobId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}
impl PodId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}
impl NodeId {
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}
