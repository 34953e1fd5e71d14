using System.Text.Json;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary>The CLI's transactional produce and <c>transactions list|describe</c>, in-process against the fake cluster (its
/// fake coordinator records each transaction's end).</summary>
public sealed class TransactionCliTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private readonly FakeCluster _cluster = fixture.ForTest();

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) => CliRunner.RunAsync(_cluster.Bootstrap, stdin, args);

    [Fact]
    public async Task Produce_TransactionalId_WholeInputOneTransactionCommittedAndCounted()
    {
        await RunAsync("", "topics", "create", "orders", "--partitions", "2");

        var result = await RunAsync("a:1\nb:2\nc:3\nd:4\ne:5\n", "produce", "orders", "--key-separator", ":", "--transactional-id", "loader");

        result.Code.Should().Be(0, result.Err);
        result.Err.Should().Contain("Produced 5 records to orders").And.Contain("committed 5 records in 1 transaction.");
        var state = _cluster.Broker.Transactions["loader"];
        state.Ended.Should().ContainSingle().Which.Commit.Should().BeTrue();
        _cluster.Broker.Log("orders/0").Attempts.Concat(_cluster.Broker.Log("orders/1").Attempts)
            .Should().OnlyContain(a => Log.Batches.RecordBatchHeader.Read(a.Bytes).IsTransactional && a.ProducerId == state.ProducerId);
    }

    [Fact]
    public async Task Produce_TransactionSize_OneCommitEveryNRecords()
    {
        await RunAsync("", "topics", "create", "events");

        var result = await RunAsync("1\n2\n3\n4\n5\n", "produce", "events", "--transactional-id", "batcher", "--transaction-size", "2", "--json");

        result.Code.Should().Be(0, result.Err);
        result.Err.Should().Contain("committed 5 records in 3 transactions");
        using var json = JsonDocument.Parse(result.Out);
        json.RootElement.GetProperty("committed").GetInt64().Should().Be(5);
        json.RootElement.GetProperty("transactions").GetInt64().Should().Be(3);
        _cluster.Broker.Transactions["batcher"].Ended.Select(e => e.Commit).Should().Equal(true, true, true);
        LogReader.Records(_cluster.Broker.Log("events/0")).Select(r => r.Value).Should().Equal("1", "2", "3", "4", "5");
    }

    [Fact]
    public async Task Produce_TransactionalBadLine_OpenTransactionAbortedNothingCommitted()
    {
        await RunAsync("", "topics", "create", "strict");

        var result = await RunAsync("a:1\nno-separator\nc:3\n", "produce", "strict", "-K", ":", "--transactional-id", "strict-loader");

        result.Code.Should().Be(2);
        result.Err.Should().Contain("committed 0 records in 0 transactions, aborted 1 record").And.Contain("line 2 has no key separator");
        // Aborted at the coordinator when the record had left already; failed in the buffer (never sent) otherwise.
        _cluster.Broker.Transactions["strict-loader"].Ended.Should().NotContain(e => e.Commit);
    }

    [Fact]
    public async Task Produce_TransactionOptionErrors_ExitCode2NamingTheOption()
    {
        var sizeAlone = await RunAsync("x\n", "produce", "t", "--transaction-size", "10");
        sizeAlone.Code.Should().Be(2);
        sizeAlone.Err.Should().Contain("--transaction-size needs --transactional-id");

        var badId = await RunAsync("x\n", "produce", "t", "--transactional-id", "bad id");
        badId.Code.Should().Be(2);
        badId.Err.Should().Contain("--transactional-id 'bad id' is not valid");

        var zero = await RunAsync("x\n", "produce", "t", "--transactional-id", "ok", "--transaction-size", "0");
        zero.Code.Should().Be(2);
        zero.Err.Should().Contain("--transaction-size must be at least 1");
    }

    [Fact]
    public async Task Transactions_ListAndDescribe_TablesJsonAndUnknownId()
    {
        (await RunAsync("", "transactions", "list")).Should().Be((0, "", "No transactional ids.\n"));
        (await RunAsync("", "transactions", "list", "--json")).Should().Be((0, "[]\n", ""));
        await RunAsync("", "topics", "create", "ledger");
        (await RunAsync("x\n", "produce", "ledger", "--transactional-id", "writer-b")).Code.Should().Be(0);
        (await RunAsync("y\n", "produce", "ledger", "--transactional-id", "writer-a")).Code.Should().Be(0);

        var list = await RunAsync("", "transactions", "list");
        list.Code.Should().Be(0, list.Err);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("TRANSACTIONAL-ID\tPRODUCER-ID\tEPOCH\tSTATE\tTIMEOUT\tSTARTED\tPARTITIONS\tGROUPS");
        lines.Skip(1).Select(l => l.Split('\t')[0]).Should().Equal("writer-a", "writer-b");
        lines[1].Should().EndWith("\tCompleteCommit\t60 s\t-\t0\t0");

        var describe = await RunAsync("", "transactions", "describe", "writer-a");
        describe.Code.Should().Be(0, describe.Err);
        describe.Out.Should().StartWith("Transactional id: writer-a\tProducer: ").And.Contain("\tEpoch: 1\tState: CompleteCommit\tTimeout: 60 s\tStarted: -\n")
            .And.Contain("TOPIC\tPARTITION\n").And.EndWith("Groups: -\n");
        using var json = JsonDocument.Parse((await RunAsync("", "transactions", "describe", "writer-a", "--json")).Out);
        json.RootElement.GetProperty("state").GetString().Should().Be("CompleteCommit");
        json.RootElement.GetProperty("timeout_ms").GetInt64().Should().Be(60_000);
        json.RootElement.GetProperty("started").ValueKind.Should().Be(JsonValueKind.Null, "no transaction is open");
        json.RootElement.GetProperty("partitions").GetArrayLength().Should().Be(0, "the committed transaction's partitions are done");

        var unknown = await RunAsync("", "transactions", "describe", "nobody");
        unknown.Code.Should().Be(1);
        unknown.Err.Should().Contain("UnknownTransactionalId").And.Contain("nobody");
    }

    [Fact]
    public async Task Consume_Isolation_MapsToTheFetchesIsolationLevelAndBadValueExit2()
    {
        await RunAsync("", "topics", "create", "iso");
        await RunAsync("a\nb\n", "produce", "iso");

        (await RunAsync("", "consume", "iso", "--from-beginning", "--max-messages", "2", "--isolation", "read_uncommitted")).Out.Should().Be("a\nb\n");
        _cluster.Broker.FetchIsolation.Should().NotBeEmpty().And.OnlyContain(l => l == IsolationLevel.ReadUncommitted);
        _cluster.Broker.FetchIsolation.Clear();
        (await RunAsync("", "consume", "iso", "--from-beginning", "--max-messages", "2", "--isolation", "READ_COMMITTED")).Code.Should().Be(0);
        _cluster.Broker.FetchIsolation.Should().NotBeEmpty().And.OnlyContain(l => l == IsolationLevel.ReadCommitted);
        _cluster.Broker.FetchIsolation.Clear();
        (await RunAsync("", "consume", "iso", "--from-beginning", "--max-messages", "2")).Code.Should().Be(0);
        _cluster.Broker.FetchIsolation.Should().OnlyContain(l => l == IsolationLevel.ReadCommitted, "read_committed is the default");

        var bad = await RunAsync("", "consume", "iso", "--isolation", "dirty");
        bad.Code.Should().Be(2);
        bad.Err.Should().Contain("--isolation must be read_committed or read_uncommitted (was 'dirty')");
    }
}
