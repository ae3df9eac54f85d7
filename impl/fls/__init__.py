"""The FLS paper's algorithms: VStoTO_p and VStoTO-system (Sections 5, 6); the paper's bundle
(``ioakit.specs.fls``) registers them beside the specifications they implement."""
