// The event visibility horizon is cluster-wide: one test's open transaction holds back another test's events. Run the
// PostgreSQL tests one class at a time so each test sees its own commits promptly.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
