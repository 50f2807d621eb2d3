/* A model of 2-chain HotStuff (Jolteon) voting and locking rules for n = 4, f = 1: validators
 * 0..2 honest, 3 Byzantine. The block tree is fixed and holds the proposals a faulty leader
 * could make that matter here: an equivocation in round 1 (A1, B1), both branches extended (A2,
 * B2), a chain A1-A2-A3, and a fork back to genesis after timeouts (C3, C4, C5). Every
 * interleaving of honest votes and timeouts is explored. The Byzantine validator makes its best
 * moves at once: a vote for every block, and a timeout in every round reporting the lowest high
 * QC (genesis). An honest validator lock (high QC) is what it learned by voting, so its
 * timeouts may report less than a real node would: more behaviours for the adversary, never
 * fewer. Honest timeouts are modelled in rounds 2 and 3 only (C3 and C4 are the blocks that
 * need a TC; a timeout elsewhere only stops its sender from voting).
 *
 * Checked: no two committed blocks conflict (2-chain rule: B is committed when B and a child of
 * round(B) + 1 are certified). Built with -DQUORUM=2 or -DLOCK_CHECK=0 it is a weakened rule that
 * spin must refute (tests/spin/run.sh). */

#ifndef QUORUM
#define QUORUM 3 /* votes (stake 1 each) for a QC or TC: 3 * 3 > 2 * 4 */
#endif
#ifndef LOCK_CHECK
#define LOCK_CHECK 1 /* after a TC, vote only if parent round >= the TC high-QC round */
#endif
#define ROUNDS 5
#define BLOCKS 9 /* G A1 B1 A2 B2 A3 C3 C4 C5 */
#define HONEST 3
#define NODES 4
#define NONE 255

byte bround[BLOCKS];
byte bparent[BLOCKS];
bool qc[BLOCKS];
byte votes[BLOCKS];
byte lvr[HONEST];               /* last voted (or timed out) round */
byte ltr[HONEST];               /* last timeout round */
byte hqc[HONEST];               /* highest certified block learned (the lock) */
byte rep[NODES * (ROUNDS + 1)]; /* high-QC round reported by node k for round r, or NONE */

/* Scratch of the d_step computations (never live across a step: hidden from the state). */
hidden byte k, v, nrep, j, t, w, c, x, y, cx, cy, a1, a2, ok;

/* The smallest high-QC round a TC for round r can carry: the least v with QUORUM reports at most
 * v (a faulty leader picks the quorum of timeouts that suits it). NONE if no TC exists. */
inline tc_hqc(rr, out)
{
	out = NONE;
	k = 0;
	do
	:: k < NODES ->
		v = rep[k * (ROUNDS + 1) + rr];
		if
		:: v != NONE ->
			nrep = 0;
			j = 0;
			do
			:: j < NODES ->
				if
				:: rep[j * (ROUNDS + 1) + rr] != NONE && rep[j * (ROUNDS + 1) + rr] <= v -> nrep++
				:: else -> skip
				fi;
				j++
			:: else -> break
			od;
			if
			:: nrep >= QUORUM && v < out -> out = v
			:: else -> skip
			fi
		:: else -> skip
		fi;
		k++
	:: else -> break
	od
}

/* The voting rule: the block extends the QC of the round before, or a TC of the round before
 * whose high QC is not above the parent (the lock check). */
inline safe_to_vote(bb, res)
{
	res = false;
	if
	:: bround[bb] == bround[bparent[bb]] + 1 -> res = true
	:: else ->
		tc_hqc(bround[bb] - 1, t);
		if
		:: t != NONE && (!LOCK_CHECK || bround[bparent[bb]] >= t) -> res = true
		:: else -> skip
		fi
	fi
}

/* anc is an ancestor of (or equal to) desc */
inline ancestor(anc, desc, res)
{
	w = desc;
	res = false;
	do
	:: w == anc -> res = true; break
	:: w != anc && w == 0 -> break
	:: w != anc && w != 0 -> w = bparent[w]
	od
}

inline committed(blk, res)
{
	res = (blk == 0);
	c = 1;
	do
	:: c < BLOCKS ->
		if
		:: qc[blk] && qc[c] && bparent[c] == blk && bround[c] == bround[blk] + 1 -> res = true
		:: else -> skip
		fi;
		c++
	:: else -> break
	od
}

inline check_safety()
{
	x = 1;
	do
	:: x < BLOCKS ->
		y = x + 1;
		do
		:: y < BLOCKS ->
			committed(x, cx);
			committed(y, cy);
			if
			:: cx && cy ->
				ancestor(x, y, a1);
				ancestor(y, x, a2);
				assert(a1 || a2)
			:: else -> skip
			fi;
			y++
		:: else -> break
		od;
		x++
	:: else -> break
	od
}

inline count_vote(bb)
{
	if
	:: votes[bb] < QUORUM ->
		votes[bb]++;
		if
		:: votes[bb] == QUORUM -> qc[bb] = true; check_safety()
		:: else -> skip
		fi
	:: else -> skip
	fi
}

active proctype world()
{
	byte b, r, i; /* the chosen action (reset to 0 after each, to keep the state small) */
	d_step {
		qc[0] = true;
		bround[1] = 1; bparent[1] = 0; /* A1 */
		bround[2] = 1; bparent[2] = 0; /* B1 */
		bround[3] = 2; bparent[3] = 1; /* A2 */
		bround[4] = 2; bparent[4] = 2; /* B2 */
		bround[5] = 3; bparent[5] = 3; /* A3 */
		bround[6] = 3; bparent[6] = 0; /* C3 */
		bround[7] = 4; bparent[7] = 0; /* C4 */
		bround[8] = 5; bparent[8] = 7; /* C5 */
		r = 0;
		do
		:: r < NODES * (ROUNDS + 1) -> rep[r] = NONE; r++
		:: else -> break
		od;
		b = 1;
		do
		:: b < BLOCKS -> votes[b] = 1; b++ /* the Byzantine vote */
		:: else -> break
		od;
		r = 1;
		do
		:: r <= ROUNDS -> rep[3 * (ROUNDS + 1) + r] = 0; r++ /* the Byzantine timeouts */
		:: else -> break
		od;
		r = 0;
		b = 0
	};
	do
	:: /* an honest vote */
		atomic {
			select(i : 0 .. HONEST - 1);
			select(b : 1 .. BLOCKS - 1);
			d_step {
				if
				:: bround[b] > lvr[i] && qc[bparent[b]] ->
					safe_to_vote(b, ok);
					if
					:: ok ->
						lvr[i] = bround[b];
						if
						:: bround[bparent[b]] > bround[hqc[i]] -> hqc[i] = bparent[b]
						:: else -> skip
						fi;
						count_vote(b)
					:: else -> skip
					fi
				:: else -> skip
				fi;
				i = 0;
				b = 0
			}
		}
	:: /* an honest timeout in a round it has not left, reporting its high QC */
		atomic {
			select(i : 0 .. HONEST - 1);
			select(r : 2 .. 3);
			d_step {
				if
				:: r >= lvr[i] && r > ltr[i] && r > bround[hqc[i]] ->
					ltr[i] = r;
					lvr[i] = r;
					rep[i * (ROUNDS + 1) + r] = bround[hqc[i]]
				:: else -> skip
				fi;
				i = 0;
				r = 0
			}
		}
	od
}
