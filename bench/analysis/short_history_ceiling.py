"""How far above popularity a model can get on the short-history shape, knowing the generator.

For users with at most 4 training items, the exact Bayesian answer when every item's hidden taste
is known: the user's taste a ~ N(0, I) a priori; the history (in draw order) has likelihood
prod_t exp(l_t) / sum over items not yet drawn of exp(l), l = tasteScale * a.b + logPopularity;
the next item's probability is that softmax over the remaining items, averaged over the
posterior (importance sampling from the prior, the draws shared by all users). Users with longer
histories get the full oracle (their taste known too), an upper bound for them. Prints NDCG@10 over
popularity per group and overall, at growing sample counts (the estimate rises until it
converges), next to default ALS. Usage (numpy): python3 short_history_ceiling.py <dir>
"""
import json
import sys

import numpy as np

d = json.load(open(f"{sys.argv[1]}/case.json"))
n, dim, s = d["items"], d["dim"], d["tasteScale"]
B = np.fromfile(f"{sys.argv[1]}/items.f64", dtype=np.float64).reshape(n, dim)
lp = np.array(d["logPopularity"])
seqs, test, long = d["sequences"], d["test"], d["long"]
oracle = np.fromfile(f"{sys.argv[1]}/oracle-long.f32", dtype=np.float32).reshape(len(long), n)
pop = np.zeros(n)
for q in seqs:
    pop[q] += 1


def ndcg(scores, u):
    sc = np.array(scores, dtype=np.float64)
    sc[seqs[u]] = -np.inf
    t = test[u][0]
    rank = int((sc > sc[t]).sum())
    return 1 / np.log2(rank + 2) if rank < 10 else 0.0


evaluated = [u for u in range(len(seqs)) if test[u]]
short = [u for u in evaluated if len(seqs[u]) <= 4]
pop_short = sum(ndcg(pop, u) for u in short)
pop_long = sum(ndcg(pop, u) for u in long)
oracle_long = sum(ndcg(oracle[j], u) for j, u in enumerate(long))

# Per short user: running max log-weight, sum of weights, weighted predictive (rescaled as the max grows).
top = np.full(len(short), -np.inf)
wsum = np.zeros(len(short))
pred = np.zeros((len(short), n))
rng = np.random.default_rng(0)
chunk, drawn = 8000, 0
als = d["alsNdcgSum"]
for target in (16000, 32000, 64000):
    while drawn < target:
        A = rng.standard_normal((chunk, dim))
        L = s * (A @ B.T) + lp
        L -= L.max(1, keepdims=True)
        E = np.exp(L)
        Z = E.sum(1)
        for j, u in enumerate(short):
            ll = np.zeros(chunk)
            rem = Z.copy()
            for i in seqs[u]:
                ll += np.log(E[:, i]) - np.log(rem)
                rem = rem - E[:, i]
            m = max(top[j], ll.max())
            if m > top[j]:
                scale = np.exp(top[j] - m) if np.isfinite(top[j]) else 0.0
                wsum[j] *= scale
                pred[j] *= scale
                top[j] = m
            w = np.exp(ll - m)
            wsum[j] += w.sum()
            pred[j] += (w / rem) @ E
        drawn += chunk
    bayes_short = sum(ndcg(pred[j] / wsum[j], u) for j, u in enumerate(short))
    print(f"{drawn} prior draws: short ({len(short)} users) {bayes_short / pop_short:.3f}x popularity, "
          f"long ({len(long)}) oracle {oracle_long / pop_long:.3f}x, "
          f"overall {(bayes_short + oracle_long) / (pop_short + pop_long):.3f}x", flush=True)
print(f"default ALS: short {als['short'] / pop_short:.3f}x, long {als['long'] / pop_long:.3f}x, "
      f"overall {(als['short'] + als['long']) / (pop_short + pop_long):.3f}x")
