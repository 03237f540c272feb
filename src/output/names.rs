//! The names an output row shows, looked up by id.
//!
//! Records carry ids (a Job, a node, an image), never strings; the writers of `pods.csv`
//! and `events.csv` resolve them through a [`NameSource`]. The world is one. A
//! [`NameTable`] is another: the copy that a writer on its own thread keeps
//! (`output::background`), grown batch by batch with the names the world added since
//! ([`NamesSent::news`]). A copy that only grows can keep up because every list the names
//! come from only grows and never renames: Jobs (a deleted Job keeps its slot), nodes (a
//! removed node keeps its id), images, node pools and CronJobs.

use crate::api::{JobId, NodeId};
use crate::sim::World;

/// What a row shows of a Job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobNames<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    /// The first container of the pod template (events about a pod's container name it).
    pub container: &'a str,
}

/// Resolves the ids of records to names.
pub trait NameSource {
    fn job(&self, job: JobId) -> JobNames<'_>;
    fn node(&self, node: NodeId) -> &str;
    fn image(&self, image: u32) -> &str;
    fn pool(&self, pool: u32) -> &str;
    /// A CronJob's `(name, namespace)`.
    fn cronjob(&self, cronjob: u32) -> (&str, &str);
}

impl NameSource for World {
    fn job(&self, job: JobId) -> JobNames<'_> {
        let j = &self.jobs[job.idx()];
        JobNames {
            name: &j.name,
            namespace: &j.namespace,
            container: j
                .spec
                .template
                .containers
                .first()
                .map_or("", |c| c.name.as_str()),
        }
    }
    fn node(&self, node: NodeId) -> &str {
        &self.cluster.node(node).name
    }
    fn image(&self, image: u32) -> &str {
        self.cluster.images.name(image)
    }
    fn pool(&self, pool: u32) -> &str {
        &self.cluster.pools[pool as usize].name
    }
    fn cronjob(&self, cronjob: u32) -> (&str, &str) {
        let c = &self.cronjobs[cronjob as usize];
        (&c.cron_job.name, &c.namespace)
    }
}

/// A copy of the world's names, for a writer that cannot read the world.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameTable {
    /// Per Job: name, namespace, first container.
    jobs: Vec<[String; 3]>,
    nodes: Vec<String>,
    images: Vec<String>,
    pools: Vec<String>,
    /// Per CronJob: name, namespace.
    cronjobs: Vec<[String; 2]>,
}

impl NameTable {
    /// Adds the names of `news` (from [`NamesSent::news`]) after the ones held.
    pub fn append(&mut self, news: NameTable) {
        self.jobs.extend(news.jobs);
        self.nodes.extend(news.nodes);
        self.images.extend(news.images);
        self.pools.extend(news.pools);
        self.cronjobs.extend(news.cronjobs);
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
            && self.nodes.is_empty()
            && self.images.is_empty()
            && self.pools.is_empty()
            && self.cronjobs.is_empty()
    }
}

impl NameSource for NameTable {
    fn job(&self, job: JobId) -> JobNames<'_> {
        let [name, namespace, container] = &self.jobs[job.idx()];
        JobNames {
            name,
            namespace,
            container,
        }
    }
    fn node(&self, node: NodeId) -> &str {
        &self.nodes[node.idx()]
    }
    fn image(&self, image: u32) -> &str {
        &self.images[image as usize]
    }
    fn pool(&self, pool: u32) -> &str {
        &self.pools[pool as usize]
    }
    fn cronjob(&self, cronjob: u32) -> (&str, &str) {
        let [name, namespace] = &self.cronjobs[cronjob as usize];
        (name, namespace)
    }
}

/// How many of the world's names a [`NameTable`] elsewhere already holds, list by list.
#[derive(Clone, Copy, Debug, Default)]
pub struct NamesSent {
    jobs: usize,
    nodes: usize,
    images: usize,
    pools: usize,
    cronjobs: usize,
}

impl NamesSent {
    /// The names `world` added since the previous call (all of them on the first), for
    /// [`NameTable::append`]; counts them as sent.
    pub fn news(&mut self, world: &World) -> NameTable {
        let mut news = NameTable::default();
        for j in &world.jobs[self.jobs..] {
            let names = world.job(j.id);
            news.jobs.push([
                names.name.to_string(),
                names.namespace.to_string(),
                names.container.to_string(),
            ]);
        }
        let cluster = &world.cluster;
        news.nodes
            .extend(cluster.nodes[self.nodes..].iter().map(|n| n.name.clone()));
        news.images.extend(
            (self.images as u32..cluster.images.count() as u32)
                .map(|i| cluster.images.name(i).to_string()),
        );
        news.pools
            .extend(cluster.pools[self.pools..].iter().map(|p| p.name.clone()));
        news.cronjobs.extend(
            world.cronjobs[self.cronjobs..]
                .iter()
                .map(|c| [c.cron_job.name.clone(), c.namespace.clone()]),
        );
        *self = NamesSent {
            jobs: world.jobs.len(),
            nodes: cluster.nodes.len(),
            images: cluster.images.count(),
            pools: cluster.pools.len(),
            cronjobs: world.cronjobs.len(),
        };
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::SimTime;
    use crate::sim::testing;
    use crate::workload::PodBehavior;

    #[test]
    fn news_are_what_the_world_added_since_the_last_batch() {
        let mut world = World::new(testing::config(
            2,
            vec![(testing::spec(), PodBehavior::default())],
        ));
        let mut sent = NamesSent::default();
        let mut table = NameTable::default();
        table.append(sent.news(&world));
        let job = world.jobs[0].id;
        assert_eq!(table.job(job), world.job(job));
        assert_eq!(table.job(job).name, "job-0");
        assert_eq!(table.node(NodeId(1)), "node-1");
        assert_eq!(table.pool(0), "node");
        assert!(sent.news(&world).is_empty(), "nothing new, nothing sent");

        let added = world.cluster.add_node(0, SimTime::ZERO);
        let image = world.cluster.images.intern("busybox:1.36");
        let news = sent.news(&world);
        assert_eq!(news.nodes, ["node-2"]);
        assert_eq!(news.images, ["busybox:1.36"]);
        assert!(news.jobs.is_empty() && news.pools.is_empty() && news.cronjobs.is_empty());
        table.append(news);
        assert_eq!(table.node(added), world.node(added));
        assert_eq!(table.image(image), world.image(image));
        assert_eq!(table.node(NodeId(0)), "node-0", "earlier names stay");
    }
}
