//! Loops a validator would follow forever: `$ref` / combinator / `not` cycles that come back to
//! the same schema without descending into a property or an item.

use super::{Arena, Kind, NodeId};

impl Arena<'_> {
    /// The pointer of a schema on such a cycle (`{"allOf": [{"$ref": "#"}]}`, or `a` → `b` → `a`
    /// pure `$ref`s), if there is one. Iterative, so long chains cannot exhaust the stack.
    pub fn unguarded_cycle(&self) -> Option<String> {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![UNSEEN; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if state[start] != UNSEEN {
                continue;
            }
            state[start] = ON_PATH;
            let mut path: Vec<(NodeId, Vec<NodeId>)> = vec![(start, self.same_instance(start))];
            while let Some((node, pending)) = path.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) if state[next] == ON_PATH => {
                        return Some(self.nodes[next].pointer.clone())
                    }
                    Some(next) if state[next] == UNSEEN => {
                        state[next] = ON_PATH;
                        path.push((next, self.same_instance(next)));
                    }
                    Some(_) => {}
                    None => {
                        state[node] = DONE;
                        path.pop();
                    }
                }
            }
        }
        None
    }

    /// Subschemas applied to the same value as `id` (not to a member or an item of it).
    fn same_instance(&self, id: NodeId) -> Vec<NodeId> {
        match &self.nodes[id].kind {
            Kind::Ref(target) | Kind::Not(target) => vec![*target],
            Kind::Combined(combined) => combined.subschemas.clone(),
            _ => Vec::new(),
        }
    }
}
