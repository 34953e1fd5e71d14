using System.Diagnostics.Tracing;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Runnel.Storage.AzureBlob;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The Azure SDK's event-source diagnostics reach an <see cref="ILoggerFactory"/>, at the levels its
/// filters allow, and the event sources are only as verbose as some Azure category asks for.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureSdkLogForwarderTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Forwarder_AzureCoreAtInformation_RequestsOfTheStoreLoggedUnderAzureCore()
    {
        var factory = new RecordingLoggerFactory(category => category.StartsWith("Azure", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.None);
        var store = AzuriteStores.Create(azurite);
        using (var forwarder = new AzureSdkLogForwarder(factory))
        {
            forwarder.Level.Should().Be(EventLevel.Informational);
            await store.PutAsync("logged", new byte[] { 1 });
        }

        var entries = factory.Entries;
        entries.Should().Contain(e => e.Category == "Azure.Core" && e.Level == LogLevel.Information && e.Message.Contains(store.ContainerName + "/logged", StringComparison.Ordinal),
            "Azure.Core logs each request with its URI");
        entries.Should().NotContain(e => e.Level < LogLevel.Information, "nothing below the enabled level is forwarded");
    }

    [Fact]
    public async Task Forwarder_AzureAtErrorOnly_ListensAtErrorAndForwardsNoRequests()
    {
        var factory = new RecordingLoggerFactory(category => category.StartsWith("Azure", StringComparison.Ordinal) ? LogLevel.Error : LogLevel.None);
        var store = AzuriteStores.Create(azurite);
        using (var forwarder = new AzureSdkLogForwarder(factory))
        {
            forwarder.Level.Should().Be(EventLevel.Error);
            await store.PutAsync("quiet", new byte[] { 1 });
        }

        factory.Entries.Should().NotContain(e => e.Message.Contains(store.ContainerName + "/quiet", StringComparison.Ordinal));
    }

    [Fact]
    public void Forwarder_NoAzureCategoryEnabled_ListensToNothing()
    {
        using var forwarder = new AzureSdkLogForwarder(new RecordingLoggerFactory(_ => LogLevel.None));

        forwarder.Level.Should().BeNull();
    }

    private sealed record Entry(string Category, LogLevel Level, string Message);

    /// <summary>Loggers that record what is logged, each enabled from <c>minimum(category)</c> up.</summary>
    private sealed class RecordingLoggerFactory(Func<string, LogLevel> minimum) : ILoggerFactory
    {
        private readonly List<Entry> _entries = [];

        public IReadOnlyList<Entry> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, minimum(categoryName));

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        private sealed class Logger(RecordingLoggerFactory owner, string category, LogLevel minimum) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && minimum != LogLevel.None && logLevel >= minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._entries)
                {
                    owner._entries.Add(new Entry(category, logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
