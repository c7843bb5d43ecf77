using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using LoopEngine;

namespace LoopEngine.Benchmarks;

/// <summary>
/// V1: verify a 100,000-record hash-chained trace (recompute every hash from the fields, check links and sequences)
/// versus SHA-256 over the same records' canonical bytes, already serialized.
/// </summary>
[MemoryDiagnoser]
public class V1VerifyTraceBenchmark
{
    public const int RecordCount = 100_000;

    private TransitionRecord[] _records = [];
    private byte[][] _canonical = [];

    [GlobalSetup]
    public void Setup()
    {
        var evidence = BenchLoops.Evidence("small");
        var start = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
        _records = new TransitionRecord[RecordCount];
        _canonical = new byte[RecordCount][];
        var previous = TransitionRecord.GenesisHash;
        for (var i = 0; i < RecordCount; i++)
        {
            var record = new TransitionRecord
            {
                OrgId = "default",
                LoopId = "bench.counter",
                DefinitionVersion = "1.0.0",
                AggregateId = "PO-V1",
                Sequence = i + 1,
                TransitionId = i == 0 ? "$start" : "tick",
                FromState = i == 0 ? null : "COUNTING",
                ToState = "COUNTING",
                Actor = i == 0 ? BenchLoops.Automation : BenchLoops.Human,
                OccurredAt = start.AddMilliseconds(i * 7L),
                Evidence = evidence,
                CorrelationId = "corr_01JGZ3V1BENCH",
                PreviousHash = previous,
                Hash = string.Empty,
            };
            record = record with { Hash = TraceCanonicalizer.ComputeHash(record) };
            _records[i] = record;
            _canonical[i] = Encoding.UTF8.GetBytes(TraceCanonicalizer.ToCanonicalJson(record));
            previous = record.Hash;
        }

        var check = TraceVerifier.Verify(_records);
        if (!check.IsValid)
        {
            throw new InvalidOperationException("V1 setup: the built trace does not verify.");
        }
    }

    [Benchmark(Baseline = true)]
    public int Sha256OverCanonicalBytes()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var x = 0;
        foreach (var bytes in _canonical)
        {
            SHA256.HashData(bytes, hash);
            x ^= hash[0];
        }

        return x;
    }

    [Benchmark]
    public bool Verify() => TraceVerifier.Verify(_records).IsValid;
}
