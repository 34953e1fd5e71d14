using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>The CLI's transactional produce and read_committed consume through its entry point, against a silo in this
/// process hosting the real grains (coordinator, partitions with markers) over TCP.</summary>
public sealed class TransactionCliEndToEndTests : IAsyncLifetime
{
    private FakeCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await FakeCluster.StartAsync(realGrains: true);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) => CliRunner.RunAsync(_cluster.Bootstrap, stdin, args);

    [Fact]
    public async Task ProduceTransactional_BadLineAbortsAndCommittedRecordsReadCommitted()
    {
        (await RunAsync("", "topics", "create", "ledger")).Code.Should().Be(0);

        var aborted = await RunAsync("a:1\nbad\n", "produce", "ledger", "-K", ":", "--transactional-id", "loader");
        aborted.Code.Should().Be(2, aborted.Err);
        aborted.Err.Should().Contain("aborted 1 record");
        var committed = await RunAsync("b:2\nc:3\n", "produce", "ledger", "-K", ":", "--transactional-id", "loader", "--transaction-size", "1");
        committed.Code.Should().Be(0, committed.Err);
        committed.Err.Should().Contain("committed 2 records in 2 transactions");

        // The committed records follow the aborted one: reading two of them proves it was skipped, with no wait.
        var readCommitted = await RunAsync("", "consume", "ledger", "--from-beginning", "--max-messages", "2", "--isolation", "read_committed", "--format", "%k=%v\n");
        readCommitted.Out.Should().Be("b=2\nc=3\n", readCommitted.Err);

        var list = await RunAsync("", "transactions", "list");
        list.Out.Should().Contain("loader\t").And.Contain("\tCompleteCommit\t60 s\t-\t0\t0");
        var describe = await RunAsync("", "transactions", "describe", "loader");
        describe.Code.Should().Be(0, describe.Err);
        describe.Out.Should().StartWith("Transactional id: loader\t");
    }
}
