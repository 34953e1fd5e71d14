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
        RecordFormat.Parse(format).Render(Record("key", "val", headers)).Should().Be(expected);
    }

    [Fact]
    public void RecordFormat_NullKeyAndValue_PrintNull()
    {
        RecordFormat.Parse("%k|%v").Render(Record(null, null)).Should().Be("null|null");
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
    public void Bootstrap_ParsesListDefaultsPortAndLocalhost()
    {
        RunnelConnectionOptions.ParseBootstrap("127.0.0.1:7100, localhost:7200,10.0.0.1").Should().Equal("127.0.0.1:7100", "127.0.0.1:7200", "10.0.0.1:7100");
        var act = () => RunnelConnectionOptions.ParseBootstrap("host-without-ip:1");
        act.Should().Throw<ArgumentException>().WithMessage("*host-without-ip:1*");
    }

    [Fact]
    public void Bootstrap_Option_DefaultsToEnvironmentThenLocalPort()
    {
        static IReadOnlyList<string> Seeds(Func<string, string?> env, params string[] args)
        {
            var io = new CliIO(TextReader.Null, TextWriter.Null, TextWriter.Null, false, false, env);
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
