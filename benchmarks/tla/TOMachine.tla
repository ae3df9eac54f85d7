---------------------------- MODULE TOMachine ----------------------------
(***************************************************************************)
(* TO-machine, the totally ordered broadcast specification of Fekete,     *)
(* Lynch and Shvartsman, "Specifying and Using a Partitionable Group      *)
(* Communication Service" (1999), Section 3.1, Figure 2 -- encoded as     *)
(* ioakit's specs/fls/to_machine.py encodes it, so that TLC and ioakit    *)
(* explore the same state graph: the state is the machine's (queue,       *)
(* pending, next) with inputsIssued, the number of bcast inputs so far,   *)
(* and the environment issues at most MaxInputs of them.                  *)
(* brcv(a)_{p,q} delivers at q a value whose origin is p.                 *)
(* Used by benchmarks/tlc_compare.py only.                                *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS P, A, MaxInputs

VARIABLES queue, pending, next, inputsIssued

vars == <<queue, pending, next, inputsIssued>>

Init == /\ queue = <<>>
        /\ pending = [p \in P |-> <<>>]
        /\ next = [p \in P |-> 1]
        /\ inputsIssued = 0

\* input bcast(a)_p: append a to pending[p]
Bcast(a, p) == /\ inputsIssued < MaxInputs
               /\ pending' = [pending EXCEPT ![p] = Append(@, a)]
               /\ inputsIssued' = inputsIssued + 1
               /\ UNCHANGED <<queue, next>>

\* internal to-order(a, p): a is the head of pending[p]
ToOrder(a, p) == /\ pending[p] /= <<>>
                 /\ Head(pending[p]) = a
                 /\ pending' = [pending EXCEPT ![p] = Tail(@)]
                 /\ queue' = Append(queue, <<a, p>>)
                 /\ UNCHANGED <<next, inputsIssued>>

\* output brcv(a)_{p,q}: queue(next[q]) = <<a, p>>
Brcv(a, p, q) == /\ next[q] <= Len(queue)
                 /\ queue[next[q]] = <<a, p>>
                 /\ next' = [next EXCEPT ![q] = @ + 1]
                 /\ UNCHANGED <<queue, pending, inputsIssued>>

Next == \E a \in A, p \in P : \/ Bcast(a, p)
                              \/ ToOrder(a, p)
                              \/ \E q \in P : Brcv(a, p, q)

Spec == Init /\ [][Next]_vars
=============================================================================
