//! The cluster: nodes, the scheduler that places pods on them, and the kubelet that runs
//! them.

pub mod autoscaler;
pub mod images;
pub mod index;
pub mod kubelet;
pub mod node;
pub mod scheduler;

pub use node::{Cluster, Node, NodePool};
