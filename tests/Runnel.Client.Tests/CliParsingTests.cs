using System.Buffers;
using System.Text;
using Runnel.Cli;
using Runnel.Cli.Commands;

namespace Runnel.Client.Tests;

public sealed class CliParsingTests
{
    private static ConsumeResult<byte[], byte[]> Record(string? key, string? value, Headers? headers = null) =>
        new(new TopicPartition("t", 2), 41, new Message<byte[], byte[]>
        {
            Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = value is null ? null : Encoding.UTF8.GetBytes(value),
            Headers = headers,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_893_456_000_000),
        });

    [Theory]
    [InlineData("%v", "val")]
    [InlineData("%k\\t%v", "key\tval")]
    [InlineData("%T[%p]@%o %t", "t[2]@41 1893456000000")]
    [InlineData("100%% %v\\n", "100% val\n")]
    [InlineData("a\\\\b", "a\\b")]
    [InlineData("%h", "x=1,y=null")]
    public void RecordFormat_Fields_Render(string format, string expected)
    {
        var headers = new Headers().Add("x", "1").Add("y", (byte[]?)null);
        Render(format, Record("key", "val", headers)).Should().Be(expected);
    }

    [Theory]
    [InlineData("-U", "-U key=val")]
    [InlineData("+I", "+I key=val")]
    [InlineData(null, " key=val")]
    [InlineData("??", " key=val")]
    public void RecordFormat_RowKind_PrintsTheHeadersShortText(string? kind, string expected)
    {
        var headers = kind is null ? null : new Headers().Add(RowKindHeader.Key, kind);
        Render("%K %k=%v", Record("key", "val", headers)).Should().Be(expected);
    }

    [Fact]
    public void RecordFormat_NullKeyAndValue_PrintNull()
    {
        Render("%k|%v", Record(null, null)).Should().Be("null|null");
    }

    private static string Render(string format, ConsumeResult<byte[], byte[]> record, BinaryEncoding encoding = BinaryEncoding.Raw)
    {
        var output = new ArrayBufferWriter<byte>();
        RecordFormat.Parse(format).Render(record, encoding, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Theory]
    [InlineData("%x", "unknown field '%x'")]
    [InlineData("abc%", "lone '%'")]
    [InlineData("\\q", "unknown escape")]
    public void RecordFormat_Invalid_Throws(string format, string message)
    {
        var act = () => RecordFormat.Parse(format);
        act.Should().Throw<CliException>().WithMessage($"*{message}*");
    }

    [Theory]
    [InlineData("\\n", new byte[] { 10 })]
    [InlineData("\\0", new byte[] { 0 })]
    [InlineData("::", new byte[] { 58, 58 })]
    [InlineData("a\\tb\\xfF\\\\", new byte[] { 97, 9, 98, 0xFF, 92 })]
    [InlineData("é", new byte[] { 0xC3, 0xA9 })]
    public void DelimiterArg_TextAndEscapes_Bytes(string text, byte[] expected)
    {
        DelimiterArg.Parse(text, "-D").Should().Equal(expected);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("\\", "lone")]
    [InlineData("\\x4", "two hex digits")]
    [InlineData("\\q", "unknown escape")]
    public void DelimiterArg_Invalid_Throws(string text, string message)
    {
        var act = () => DelimiterArg.Parse(text, "-D");
        act.Should().Throw<CliException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void RecordFormat_RawBytes_WrittenAsStoredOrEncoded()
    {
        var record = new ConsumeResult<byte[], byte[]>(new TopicPartition("t", 0), 0, new Message<byte[], byte[]>
        {
            Key = [0xFF],
            Value = [0x63, 0xE9, 0x00],
            Headers = new Headers().Add("h", [0x80]),
            Timestamp = DateTimeOffset.UnixEpoch,
        });
        var output = new ArrayBufferWriter<byte>();
        RecordFormat.Parse("%k|%v|%h").Render(record, BinaryEncoding.Raw, output);
        output.WrittenSpan.ToArray().Should().Equal(0xFF, (byte)'|', 0x63, 0xE9, 0x00, (byte)'|', (byte)'h', (byte)'=', 0x80);

        Render("%k|%v|%h", record, BinaryEncoding.Hex).Should().Be("ff|63e900|h=80");
        Render("%v", record, BinaryEncoding.Base64).Should().Be("Y+kA");
    }

    [Fact]
    public void Json_Record_HasEveryField()
    {
        var json = ConsumeCommand.ToJson(Record("k", "v", new Headers().Add("h", "1")));
        json.Should().Be("{\"topic\":\"t\",\"partition\":2,\"offset\":41,\"timestamp\":1893456000000,\"key\":\"k\",\"value\":\"v\",\"headers\":{\"h\":\"1\"}}");
    }

    [Theory]
    [InlineData("1893456000000", 1_893_456_000_000)]
    [InlineData("2030-01-01T00:00:00Z", 1_893_456_000_000)]
    [InlineData("2030-01-01T01:00:00+01:00", 1_893_456_000_000)]
    [InlineData("2030-01-01T00:00:00", 1_893_456_000_000)]
    public void TimestampArg_IsoOrUnixMillis(string text, long expected)
    {
        TimestampArg.Parse(text).ToUnixTimeMilliseconds().Should().Be(expected);
    }

    [Fact]
    public void KeyValueArgs_SplitsAtFirstEquals()
    {
        KeyValueArgs.Parse(["a=1", "b=x=y", "c="], "--config").Select(p => (p.Key, p.Value)).Should().Equal(("a", "1"), ("b", "x=y"), ("c", ""));
    }

    [Fact]
    public void Bootstrap_ParsesListDefaultsPortAndAcceptsDnsNames()
    {
        RunnelConnectionOptions.ParseBootstrap("127.0.0.1:7100, localhost:7200,10.0.0.1,silo-0.runnel.default.svc.cluster.local,[::1]:7300")
            .Should().Equal("127.0.0.1:7100", "localhost:7200", "10.0.0.1:7100", "silo-0.runnel.default.svc.cluster.local:7100", "[::1]:7300");
        foreach (var bad in new[] { "silo:0", "silo:70000", "silo:x", "bad_name!:1", "a b:1" })
        {
            var act = () => RunnelConnectionOptions.ParseBootstrap(bad);
            act.Should().Throw<ArgumentException>().WithMessage($"*'{bad}'*");
        }
    }

    [Fact]
    public void Bootstrap_Option_DefaultsToEnvironmentThenLocalPort()
    {
        static IReadOnlyList<string> Seeds(Func<string, string?> env, params string[] args)
        {
            var io = new CliIO(Stream.Null, Stream.Null, TextWriter.Null, false, false, env);
            var globals = new GlobalOptions(io);
            var root = new System.CommandLine.RootCommand { globals.Bootstrap, globals.ClusterId };
            return globals.ConnectionOptions(root.Parse(args)).Bootstrap;
        }

        Seeds(name => name == "RUNNEL_BOOTSTRAP" ? "127.0.0.1:9999" : null).Should().Equal("127.0.0.1:9999");
        Seeds(_ => null).Should().Equal("127.0.0.1:7100");
        Seeds(name => name == "RUNNEL_BOOTSTRAP" ? "127.0.0.1:9999" : null, "--bootstrap", "127.0.0.1:1234").Should().Equal("127.0.0.1:1234");
    }

    [Fact]
    public void LatencyHistogram_Percentiles_WithinOneSixteenth()
    {
        var histogram = new LatencyHistogram();
        for (var micros = 1; micros <= 10_000; micros++)
        {
            histogram.Record(micros);
        }

        histogram.PercentileMillis(0.5).Should().BeApproximately(5.0, 5.0 / 16);
        histogram.PercentileMillis(0.99).Should().BeApproximately(9.9, 9.9 / 16);
        histogram.PercentileMillis(1.0).Should().Be(10.0);
        new LatencyHistogram().PercentileMillis(0.5).Should().Be(0);
    }

    [Fact]
    public void LatencyHistogram_BucketEdges_AreContiguous()
    {
        for (var index = 1; index < 900; index++)
        {
            (LatencyHistogram.UpperEdge(index - 1) + 1).Should().Be(LowerEdge(index));
            LatencyHistogram.Index(LowerEdge(index)).Should().Be(index);
            LatencyHistogram.Index(LatencyHistogram.UpperEdge(index)).Should().Be(index);
        }

        static long LowerEdge(int index) => index == 0 ? 0 : LatencyHistogram.UpperEdge(index - 1) + 1;
    }
}
