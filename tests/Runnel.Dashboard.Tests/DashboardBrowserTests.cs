using System.Globalization;
using Microsoft.Playwright;
using Runnel.Client;
using Runnel.Testing;
using static Microsoft.Playwright.Assertions;

namespace Runnel.Dashboard.Tests;

/// <summary>
/// The dashboard of a real <c>runnel-silo</c> process, opened in Debian's chromium driven headless by Playwright (no
/// browser download: <see cref="ChromiumPath"/>, installed by tests/run.sh when missing). Every wait is on the page's
/// content (Playwright's auto-retrying assertions), never a sleep.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    /// <summary>Debian's chromium (package <c>chromium</c>); tests/run.sh installs it when missing.</summary>
    private const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A client id a page that renders HTML would turn into an element (and run its handler).</summary>
    private const string HostileClientId = "<img src=x onerror=\"document.title='pwned'\">";

    private readonly TempDirectory _workingDirectory = new("dashboard");
    private readonly int _port = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private readonly int _httpPort = FreePort.Next();
    private ChildProcess? _silo;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        // The page polls every 2 s and the silo shares a loaded machine: allow each expectation a while.
        SetDefaultExpectTimeout(30_000);
        _silo = ChildProcess.Start(
            ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", Path.Combine(_workingDirectory.Path, "data"), "--port", Str(_port), "--silo-port", Str(_siloPort), "--http-port", Str(_httpPort), "--kafka-port", "0"],
            _workingDirectory.Path);
        var startBrowser = StartBrowserAsync();
        await _silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        await startBrowser;
    }

    [Fact]
    public async Task Dashboard_TopicProducedAndConsumedByAGroup_ShowsSiloTopicOwnerAndLagMoving()
    {
        await using var connection = await RunnelConnection.ConnectAsync(new RunnelConnectionOptions { Bootstrap = [$"127.0.0.1:{_port}"] });
        await connection.Admin.CreateTopicAsync("orders", 1);
        await using var producer = connection.CreateProducer<string, string>();
        await ProduceAsync(producer, 5);
        await using var consumer = connection.CreateConsumer<string, string>(new ConsumerOptions
        {
            GroupId = "billing",
            ClientId = HostileClientId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        });
        consumer.Subscribe(["orders"]);
        await ConsumeAsync(consumer, 5);
        await consumer.CommitAsync();

        var page = await _browser!.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{_httpPort}/dashboard");

        // The silo, from Orleans membership, with the partition it owns.
        var silo = page.Locator("#silo-rows tr[data-silo]");
        await Expect(silo).ToHaveCountAsync(1);
        await Expect(silo).ToContainTextAsync($"127.0.0.1:{_siloPort}");
        await Expect(silo).ToContainTextAsync("Active");
        await Expect(silo.Locator("td.partitions")).ToHaveTextAsync("1");

        // The topic, with what was produced.
        var topic = page.Locator("tr[data-topic='orders']");
        await Expect(topic.Locator("td.partitions")).ToHaveTextAsync("1");
        await Expect(topic.Locator("td.end-offsets")).ToHaveTextAsync("5");

        // The group with its member and lag: 0 once committed, 7 after 7 more produced and not consumed, 0 again after
        // consuming and committing them.
        var group = page.Locator("tr[data-group='billing']");
        await Expect(group.Locator("td.members")).ToHaveTextAsync("1");
        await Expect(group.Locator("td.lag")).ToHaveTextAsync("0");
        await ProduceAsync(producer, 7);
        await Expect(group.Locator("td.lag")).ToHaveTextAsync("7");
        await Expect(topic.Locator("td.end-offsets")).ToHaveTextAsync("12");
        await ConsumeAsync(consumer, 7);
        await consumer.CommitAsync();
        await Expect(group.Locator("td.lag")).ToHaveTextAsync("0");

        // The client id is user input: shown as text, never turned into markup.
        await Expect(group).ToContainTextAsync(HostileClientId);
        await Expect(page.Locator("img")).ToHaveCountAsync(0);
        (await page.TitleAsync()).Should().Be("Runnel dashboard");

        // The topic's detail: its partition, watermark and owner.
        await topic.Locator("a.topic-link").ClickAsync();
        var partition = page.Locator("#partition-rows tr[data-partition='0']");
        await Expect(partition.Locator("td.hw")).ToHaveTextAsync("12");
        await Expect(partition.Locator("td.owner")).ToHaveTextAsync($"127.0.0.1:{_siloPort}");
    }

    [Fact]
    public async Task DashboardApi_UnknownTopic_NotFoundWithTheErrorCode()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        using var response = await http.GetAsync("/api/topics/missing");
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"code\":\"UnknownTopic\"").And.Contain("missing");

        // The page shows it too, in its banner, as text.
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{_httpPort}/dashboard#topic=missing");
        await Expect(page.Locator("#banner")).ToContainTextAsync("UnknownTopic");
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_silo is { HasExited: false } silo)
        {
            silo.Terminate();
            (await silo.WaitForExitAsync()).Should().Be(0, silo.Stderr);
        }

        _silo?.Dispose();
        _workingDirectory.Dispose();
    }

    private async Task StartBrowserAsync()
    {
        File.Exists(ChromiumPath).Should().BeTrue($"Debian's chromium is expected at {ChromiumPath} (tests/run.sh installs it: apt-get install chromium)");
        _playwright = await Playwright.CreateAsync();
        // --no-sandbox: the tests run as root (CI), where chromium refuses its sandbox.
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    private static async Task ProduceAsync(IProducer<string, string> producer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync("orders", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
        }
    }

    /// <summary>Consumes exactly <paramref name="count"/> records (bounded: 60 s).</summary>
    private static async Task ConsumeAsync(IConsumer<string, string> consumer, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = 0;
        await foreach (var _ in consumer.ConsumeAsync(timeout.Token))
        {
            if (++seen == count)
            {
                return;
            }
        }
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
