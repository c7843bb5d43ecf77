using System.Security.Cryptography;
using System.Text;
using CsCheck;
using LoopEngine;

namespace LoopEngine.Tests.Tracing;

/// <summary>
/// Records and instances keep hashes as their 32 bytes and write the hex text when read: every text must come back exactly
/// as it was set, the canonical JSON must carry the same bytes, and equality must follow the text.
/// </summary>
public sealed class TraceHashTests
{
    [Fact]
    public void Parse_AnyThirtyTwoBytesAsLowercaseHex_RoundTripsAsBytesAndText()
    {
        Gen.Byte.Array[32].Sample(bytes =>
        {
            var text = Convert.ToHexStringLower(bytes);
            var hash = TraceHash.Parse(text)!;
            hash.IsBytes.Should().BeTrue();
            hash.ToString().Should().Be(text).And.BeSameAs(hash.ToString(), "the text is written once and shared by every reader");
            Span<byte> back = stackalloc byte[32];
            hash.WriteBytes(back);
            back.ToArray().Should().Equal(bytes);
            TraceHash.FromBytes(bytes).Should().Be(hash);
            TraceHash.FromBytes(bytes).GetHashCode().Should().Be(hash.GetHashCode());
        });
    }

    [Theory]
    [InlineData("")]
    [InlineData("deadbeef")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")]
    public void Parse_TextThatIsNotLowercaseHexOf32Bytes_KeptVerbatimAndUnequalToAnyBytes(string text)
    {
        var hash = TraceHash.Parse(text)!;

        hash.IsBytes.Should().BeFalse();
        hash.ToString().Should().BeSameAs(text);
        hash.Should().NotBe(TraceHash.Genesis);
        var lower = TraceHash.Parse(text.ToLowerInvariant())!;
        if (lower.IsBytes)
        {
            hash.Should().NotBe(lower);
        }

        TraceHash.Parse(new string(text.ToCharArray())).Should().Be(hash);
    }

    [Fact]
    public void Parse_Null_StaysNull() => TraceHash.Parse(null).Should().BeNull();

    [Fact]
    public void Genesis_IsSixtyFourZeros()
    {
        TraceHash.Genesis.ToString().Should().Be(TransitionRecord.GenesisHash);
        TraceHash.Parse(new string('0', 64)).Should().Be(TraceHash.Genesis);
    }

    [Fact]
    public void WriteJsonString_BytesAndVerbatimText_SameAsQuotedText()
    {
        foreach (var text in new[] { Convert.ToHexStringLower(SHA256.HashData("x"u8)), "not \"hex\"", TransitionRecord.GenesisHash })
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            TraceHash.Parse(text)!.WriteJsonString(buffer);
            var expected = new System.Buffers.ArrayBufferWriter<byte>();
            CanonicalJson.WriteString(expected, text);
            Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be(Encoding.UTF8.GetString(expected.WrittenSpan));
        }
    }

    [Fact]
    public void TransitionRecord_HashTexts_ReadBackExactlyAndDecideEquality()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData("record"u8));
        var previous = Convert.ToHexStringLower(SHA256.HashData("previous"u8));
        var record = Record(hash, previous);

        record.Hash.Should().Be(hash);
        record.PreviousHash.Should().Be(previous);
        record.Should().Be(Record(hash, previous));
        record.GetHashCode().Should().Be(Record(hash, previous).GetHashCode());
        record.Should().NotBe(Record(hash.ToUpperInvariant(), previous));
        (record with { Hash = hash.ToUpperInvariant() }).Hash.Should().Be(hash.ToUpperInvariant());
        (record with { PreviousHash = "tampered" }).PreviousHash.Should().Be("tampered");
        (record with { PreviousHash = "tampered" }).Should().NotBe(record);
    }

    [Fact]
    public void TransitionRecord_CanonicalJson_PreviousHashTextAsSet()
    {
        var previous = Convert.ToHexStringLower(SHA256.HashData("previous"u8));
        foreach (var text in new[] { previous, previous.ToUpperInvariant(), TransitionRecord.GenesisHash })
        {
            TraceCanonicalizer.ToCanonicalJson(Record("h", text)).Should().Contain($"\"previousHash\":\"{text}\"");
        }
    }

    [Fact]
    public void LoopInstance_HeadHash_ReadBackExactly()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData("head"u8));
        var instance = new LoopInstance
        {
            OrgId = "o", LoopId = "l", DefinitionVersion = "1", AggregateId = "a", CurrentState = "S", Status = LoopStatus.Open, Version = 1,
            CorrelationId = "c", OpenedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch, HeadHash = hash,
        };

        instance.HeadHash.Should().Be(hash);
        instance.Head.Hash.Should().Be(hash);
        (instance with { HeadHash = "odd" }).HeadHash.Should().Be("odd");
        (instance with { HeadHash = "odd" }).Should().NotBe(instance);
        (instance with { Version = 2 } with { Version = 1 }).Should().Be(instance);
    }

    private static TransitionRecord Record(string hash, string previous) => new()
    {
        OrgId = "o", LoopId = "l", DefinitionVersion = "1", AggregateId = "a", Sequence = 2, TransitionId = "t", FromState = "A", ToState = "B",
        Actor = Actor.Human("u"), OccurredAt = DateTimeOffset.UnixEpoch, Evidence = Evidence.Empty, CorrelationId = "c",
        PreviousHash = previous, Hash = hash,
    };
}
