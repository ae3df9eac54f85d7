"""The algorithms of *Deconstructing Paxos* (Figures 5, 6, 7) on the message-passing substrate."""
