using System.Globalization;
using System.Text;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>Conditional writes stay atomic when several processes, or several store instances, share one data directory.</summary>
public sealed class FileObjectStoreCrossProcessTests : IDisposable
{
    private readonly TempDirectory _directory = new("file-xproc");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ConditionalIncrement_TwoProcessesOnOneBlob_LoseNoUpdate()
    {
        const int perProcess = 150;
        using var first = TestWorker.Start("storage-increment", _directory.Path, "shared/counter", perProcess.ToString(CultureInfo.InvariantCulture));
        using var second = TestWorker.Start("storage-increment", _directory.Path, "shared/counter", perProcess.ToString(CultureInfo.InvariantCulture));

        var outputs = await Task.WhenAll(
            first.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(90)),
            second.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(90)));
        await Task.WhenAll(first.WaitForExitAsync(), second.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        first.ExitCode.Should().Be(0, await first.StandardError.ReadToEndAsync());
        second.ExitCode.Should().Be(0, await second.StandardError.ReadToEndAsync());
        outputs.Should().AllSatisfy(o => o.Should().StartWith($"done {perProcess} "));
        var store = new FileObjectStore(_directory.Path);
        var final = await store.GetAsync("shared/counter");
        Encoding.UTF8.GetString(final.Content.Span).Should().Be((2 * perProcess).ToString(CultureInfo.InvariantCulture), "every increment by either process must survive");
    }

    [Fact]
    public async Task ConditionalIncrement_TwoStoreInstancesInOneProcess_LoseNoUpdate()
    {
        const int writers = 8;
        const int perWriter = 25;
        var stores = new[] { new FileObjectStore(_directory.Path), new FileObjectStore(_directory.Path) };
        using var barrier = new Barrier(writers);

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Factory.StartNew(
            async () =>
            {
                var store = stores[w % 2];
                barrier.SignalAndWait(TimeSpan.FromSeconds(30)).Should().BeTrue();
                for (var done = 0; done < perWriter;)
                {
                    var current = await store.TryGetAsync("counter");
                    var value = current is null ? 0 : int.Parse(Encoding.UTF8.GetString(current.Content.Span), CultureInfo.InvariantCulture);
                    var condition = current is null ? BlobCondition.IfNotExists : BlobCondition.IfETagMatches(current.Properties.ETag);
                    try
                    {
                        await store.PutAsync("counter", Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)), condition);
                        done++;
                    }
                    catch (PreconditionFailedException)
                    {
                        // Lost the race: read again.
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap());
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(90));

        var final = await stores[0].GetAsync("counter");
        Encoding.UTF8.GetString(final.Content.Span).Should().Be((writers * perWriter).ToString(CultureInfo.InvariantCulture));
    }
}
