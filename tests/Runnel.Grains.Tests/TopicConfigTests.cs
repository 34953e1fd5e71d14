namespace Runnel.Grains.Tests;

public sealed class TopicConfigTests
{
    [Theory]
    [InlineData("retention.ms", "-1")]
    [InlineData("retention.ms", "1")]
    [InlineData("retention.bytes", "9223372036854775807")]
    [InlineData("segment.bytes", "1024")]
    [InlineData("max.message.bytes", "4194304")]
    [InlineData("max.message.bytes", "67174400")]
    [InlineData("cleanup.policy", "delete")]
    [InlineData("cleanup.policy", "delete,compact")]
    [InlineData("compression.type", "snappy")]
    [InlineData("compression.type", "zstd")]
    [InlineData("compression.type", "lz4")]
    [InlineData("message.timestamp.type", "LogAppendTime")]
    [InlineData("min.cleanable.dirty.ratio", "0.1")]
    [InlineData("min.cleanable.dirty.ratio", "1")]
    [InlineData("delete.retention.ms", "0")]
    [InlineData("min.compaction.lag.ms", "60000")]
    public void TryValidate_ValidValue_True(string key, string value) =>
        TopicConfig.TryValidate(key, value, out var error).Should().BeTrue(error);

    [Theory]
    [InlineData("retention.ms", "0")]
    [InlineData("retention.ms", "1.5")]
    [InlineData("segment.bytes", "1023")]
    [InlineData("max.message.bytes", "63")]
    [InlineData("cleanup.policy", "")]
    [InlineData("compression.type", "brotli")]
    [InlineData("segment.ms", "1")]
    [InlineData("min.cleanable.dirty.ratio", "1.5")]
    [InlineData("min.cleanable.dirty.ratio", "-0.1")]
    [InlineData("min.cleanable.dirty.ratio", "half")]
    [InlineData("delete.retention.ms", "-1")]
    [InlineData("min.compaction.lag.ms", "soon")]
    public void TryValidate_InvalidKeyOrValue_FalseNamingTheKey(string key, string value)
    {
        TopicConfig.TryValidate(key, value, out var error).Should().BeFalse();
        error.Should().Contain($"'{key}'");
    }

    [Fact]
    public void Validate_SeveralBad_NamesTheFirstInOrdinalOrder()
    {
        var error = FluentActions.Invoking(() => TopicConfig.Validate(new Dictionary<string, string> { ["z.unknown"] = "1", ["retention.ms"] = "x" }))
            .Should().Throw<RunnelException>().Which;

        error.Code.Should().Be(RunnelErrorCode.InvalidConfig);
        error.Message.Should().Contain("'retention.ms'");
    }

    [Fact]
    public void Effective_Overrides_DefaultsFilledIn() =>
        TopicConfig.Effective(new Dictionary<string, string> { ["retention.ms"] = "5" })
            .Should().HaveCount(TopicConfig.Keys.Count).And.Contain("retention.ms", "5").And.Contain("cleanup.policy", "delete");

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a b")]
    [InlineData("a\\b")]
    [InlineData("a:b")]
    public void TopicName_Invalid_RefusedWithInvalidTopicName(string name)
    {
        TopicName.IsValid(name, out var reason).Should().BeFalse();
        reason.Should().NotBeNullOrEmpty();
        FluentActions.Invoking(() => TopicName.Validate(name)).Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.InvalidTopicName);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("...")]
    [InlineData("Orders_2024-01.v2")]
    public void TopicName_Valid_Accepted(string name) => TopicName.IsValid(name, out _).Should().BeTrue();

    [Fact]
    public void MaxMaxMessageBytes_IsTheLargestBatchTheLogTakes()
    {
        // Written twice (Abstractions cannot reference the log): a topic may allow exactly what the log accepts.
        TopicConfig.MaxMaxMessageBytes.Should().Be(Runnel.Log.Batches.RecordBatch.MaxBatchBytes);
    }
}
