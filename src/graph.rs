//! The graph algorithms compilation needs, all iterative: nothing here
//! recurses on the input, so a role chain or a group nesting thousands deep is
//! fine.

use crate::compiled::{GroupC, Ix};

/// Upward closures larger than this in total are not tabled (then walked on demand).
const GROUP_UP_BUDGET: usize = 4_000_000;

/// Finds the cycles of a parent-pointer forest; returns, for each cycle, its
/// members in order. Iterative.
pub(crate) fn parent_cycles(parents: &[Option<Ix>]) -> Vec<Vec<Ix>> {
    let n = parents.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on the current walk, 2 done
    let mut cycles = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut walk = Vec::new();
        let mut cur = Some(start as Ix);
        while let Some(c) = cur {
            match state[c as usize] {
                0 => {
                    state[c as usize] = 1;
                    walk.push(c);
                    cur = parents[c as usize];
                }
                1 => {
                    let from = walk.iter().position(|&w| w == c).unwrap_or(0);
                    cycles.push(walk[from..].to_vec());
                    break;
                }
                _ => break,
            }
        }
        for w in walk {
            state[w as usize] = 2;
        }
    }
    cycles
}

/// Finds the edges that close a cycle in a directed graph (adjacency lists).
/// Returns (node, edge index) of one back edge per cycle found. Iterative DFS.
pub(crate) fn back_edges(adj: &[Vec<Ix>]) -> Vec<(Ix, usize)> {
    let n = adj.len();
    let mut state = vec![0u8; n];
    let mut found = Vec::new();
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        let mut stack: Vec<(Ix, usize)> = vec![(s as Ix, 0)];
        state[s] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&to) = adj[node as usize].get(*next) {
                let edge = *next;
                *next += 1;
                match state[to as usize] {
                    0 => {
                        state[to as usize] = 1;
                        stack.push((to, 0));
                    }
                    1 => found.push((node, edge)),
                    _ => {}
                }
            } else {
                state[node as usize] = 2;
                stack.pop();
            }
        }
    }
    found
}

/// Numbers a parent-pointer forest in pre-order. Returns, per node, its
/// position and the last position inside its subtree (`b` is in the subtree
/// of `a` iff `pre[a] <= pre[b] <= end[a]`). The forest must have no cycle.
pub(crate) fn pre_order(parents: &[Option<Ix>]) -> (Vec<u32>, Vec<u32>) {
    let n = parents.len();
    let mut children: Vec<Vec<Ix>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parents.iter().enumerate() {
        match p {
            Some(p) => children[*p as usize].push(i as Ix),
            None => roots.push(i as Ix),
        }
    }
    let mut pre = vec![0u32; n];
    let mut end = vec![0u32; n];
    let mut counter = 0u32;
    for &root in &roots {
        let mut stack: Vec<(Ix, usize)> = vec![(root, 0)];
        pre[root as usize] = counter;
        counter += 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&c) = children[node as usize].get(*next) {
                *next += 1;
                pre[c as usize] = counter;
                counter += 1;
                stack.push((c, 0));
            } else {
                end[node as usize] = counter - 1;
                stack.pop();
            }
        }
    }
    (pre, end)
}

/// Upward closure of each group, when the total stays within budget.
pub(crate) fn group_up(groups: &[GroupC]) -> Option<Vec<Vec<Ix>>> {
    let n = groups.len();
    // topological order, containers first (Kahn on edges container → nested)
    let mut indeg: Vec<usize> = groups.iter().map(|g| g.containers.len()).collect();
    let mut nested: Vec<Vec<Ix>> = vec![Vec::new(); n];
    for (h, g) in groups.iter().enumerate() {
        for &c in &g.containers {
            nested[c as usize].push(h as Ix);
        }
    }
    let mut queue: Vec<Ix> = (0..n as Ix).filter(|&g| indeg[g as usize] == 0).collect();
    let mut up: Vec<Vec<Ix>> = vec![Vec::new(); n];
    let mut total = 0usize;
    let mut head = 0;
    while head < queue.len() {
        let g = queue[head];
        head += 1;
        let mut set = vec![g];
        for &c in &groups[g as usize].containers {
            set.extend_from_slice(&up[c as usize]);
        }
        set.sort_unstable();
        set.dedup();
        total += set.len();
        if total > GROUP_UP_BUDGET {
            return None;
        }
        up[g as usize] = set;
        for &h in &nested[g as usize] {
            indeg[h as usize] -= 1;
            if indeg[h as usize] == 0 {
                queue.push(h);
            }
        }
    }
    Some(up)
}

/// The seeds and every group that contains one of them, at any depth; sorted.
pub(crate) fn close_upward(seeds: &[Ix], groups: &[GroupC], up: Option<&[Vec<Ix>]>) -> Vec<Ix> {
    let mut out: Vec<Ix> = Vec::new();
    match up {
        Some(up) => {
            for &s in seeds {
                out.extend_from_slice(&up[s as usize]);
            }
        }
        None => {
            let mut seen = vec![false; groups.len()];
            let mut stack: Vec<Ix> = seeds.to_vec();
            while let Some(g) = stack.pop() {
                if std::mem::replace(&mut seen[g as usize], true) {
                    continue;
                }
                out.push(g);
                stack.extend_from_slice(&groups[g as usize].containers);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
