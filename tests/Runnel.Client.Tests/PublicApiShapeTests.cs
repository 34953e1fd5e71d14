using System.Reflection;
using Runnel.Testing;

namespace Runnel.Client.Tests;

/// <summary>The client's public API shows no grain contract type (so the contract can change without breaking users), and
/// Orleans only where an application hands in its own runtime (<see cref="RunnelConnection.FromGrainFactory"/>); its
/// entry points are interfaces a user can mock.</summary>
public sealed class PublicApiShapeTests
{
    private static readonly Assembly Client = typeof(RunnelConnection).Assembly;

    [Fact]
    public void PublicApi_NoRuntimeOrGrainContractType_Anywhere()
    {
        var leaks = new List<string>();
        foreach (var type in Client.GetExportedTypes())
        {
            Check(type.BaseType, $"{type} base type");
            foreach (var i in type.GetInterfaces())
            {
                Check(i, $"{type} implements");
            }

            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var c in type.GetConstructors(flags))
            {
                CheckParameters(c.GetParameters(), $"{type} constructor");
            }

            foreach (var m in type.GetMethods(flags))
            {
                Check(m.ReturnType, $"{type}.{m.Name} returns");
                CheckParameters(m.GetParameters(), $"{type}.{m.Name}");
            }

            foreach (var p in type.GetProperties(flags))
            {
                Check(p.PropertyType, $"{type}.{p.Name}");
            }

            foreach (var f in type.GetFields(flags))
            {
                Check(f.FieldType, $"{type}.{f.Name}");
            }
        }

        leaks.Should().BeEmpty("the public API must not expose the runtime or grain contract types");

        void CheckParameters(ParameterInfo[] parameters, string where)
        {
            foreach (var p in parameters)
            {
                Check(p.ParameterType, $"{where} parameter {p.Name}");
            }
        }

        void Check(Type? type, string where)
        {
            if (type is null)
            {
                return;
            }

            if (type.HasElementType)
            {
                Check(type.GetElementType(), where);
                return;
            }

            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments())
                {
                    Check(argument, where);
                }
            }

            var ns = type.Namespace ?? "";
            if (ns == "Runnel.Grains" || ns.StartsWith("Runnel.Runtime", StringComparison.Ordinal) || ns.StartsWith("Runnel.Serialization", StringComparison.Ordinal)
                || typeof(IGrain).IsAssignableFrom(type)
                || (type == typeof(IGrainFactory) && where != $"{typeof(RunnelConnection).FullName}.{nameof(RunnelConnection.FromGrainFactory)} parameter grains"))
            {
                leaks.Add($"{where}: {type.FullName}");
            }
        }
    }

    [Fact]
    public void PublicApiBaseline_ListsEveryExportedType()
    {
        // The analyzer (RS0016/RS0017) keeps the files and the code in step at build time; this checks the files are the
        // ones it reads and that they cover the whole API, not a stale subset.
        var folder = Path.Combine(RepoPaths.Root, "Client", "Runnel.Client");
        var lines = File.ReadAllLines(Path.Combine(folder, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "PublicAPI.Unshipped.txt")))
            .ToHashSet(StringComparer.Ordinal);

        var missing = Client.GetExportedTypes().Select(Declared).Where(name => !lines.Contains(name)).ToList();

        missing.Should().BeEmpty();
        lines.Should().NotContain(l => l.Contains("Runnel.Grains.", StringComparison.Ordinal) || l.Contains("Runnel.Runtime.", StringComparison.Ordinal));

        static string Declared(Type type)
        {
            var name = type.FullName!.Replace('+', '.');
            if (!type.IsGenericTypeDefinition)
            {
                return name;
            }

            return name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(a => a.Name)) + ">";
        }
    }

    [Theory]
    [InlineData(typeof(Producer<,>))]
    [InlineData(typeof(Consumer<,>))]
    [InlineData(typeof(Admin))]
    public void Implementations_NoPublicConstructor_MadeByTheConnection(Type type) =>
        type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).Should().BeEmpty("constructors take runtime types");

    [Fact]
    public void Connection_HandsOutInterfaces()
    {
        typeof(RunnelConnection).GetMethod(nameof(RunnelConnection.CreateProducer))!.ReturnType.GetGenericTypeDefinition().Should().Be(typeof(IProducer<,>));
        typeof(RunnelConnection).GetMethod(nameof(RunnelConnection.CreateConsumer))!.ReturnType.GetGenericTypeDefinition().Should().Be(typeof(IConsumer<,>));
        typeof(RunnelConnection).GetProperty(nameof(RunnelConnection.Admin))!.PropertyType.Should().Be(typeof(IAdminClient));
        typeof(IProducer<string, string>).IsAssignableFrom(typeof(Producer<string, string>)).Should().BeTrue();
        typeof(IConsumer<string, string>).IsAssignableFrom(typeof(Consumer<string, string>)).Should().BeTrue();
        typeof(IAdminClient).IsAssignableFrom(typeof(Admin)).Should().BeTrue();
    }

    [Fact]
    public async Task IProducer_HandWrittenFake_StandsInForTheProducer()
    {
        // What a user's unit test does: the code under test takes an IProducer, the test hands it a fake.
        using var producer = new RecordingProducer();

        var result = await GreetAsync(producer, "alice");

        result.Offset.Should().Be(0);
        producer.Produced.Should().ContainSingle().Which.Should().Be(("greetings", "alice", "hello"));
    }

    private static Task<DeliveryResult<string, string>> GreetAsync(IProducer<string, string> producer, string name) =>
        producer.ProduceAsync("greetings", new Message<string, string> { Key = name, Value = "hello" });

    private sealed class RecordingProducer : IProducer<string, string>
    {
        public List<(string Topic, string? Key, string? Value)> Produced { get; } = [];

        public ProducerOptions Options => ProducerOptions.Default;

        public long BufferedBytes => 0;

        public Task<DeliveryResult<string, string>> ProduceAsync(string topic, Message<string, string> message, CancellationToken cancellationToken = default) =>
            ProduceAsync(new TopicPartition(topic, 0), message, cancellationToken);

        public Task<DeliveryResult<string, string>> ProduceAsync(TopicPartition partition, Message<string, string> message, CancellationToken cancellationToken = default)
        {
            Produced.Add((partition.Topic, message.Key, message.Value));
            return Task.FromResult(new DeliveryResult<string, string>(partition, Produced.Count - 1, DateTimeOffset.UnixEpoch, message, PersistenceStatus.Persisted));
        }

        public void Produce(string topic, Message<string, string> message, Action<DeliveryReport<string, string>>? onDelivery = null) => throw new NotSupportedException();

        public void Produce(TopicPartition partition, Message<string, string> message, Action<DeliveryReport<string, string>>? onDelivery = null) => throw new NotSupportedException();

        public ValueTask EnqueueAsync(string topic, Message<string, string> message, Action<DeliveryReport<string, string>>? onDelivery, int partition = -1, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<IReadOnlyList<DeliveryResult<string, string>>> ProduceChangeAsync(string topic, string key, string? before, string? after, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<DeliveryResult<string, string>>> ProduceChangeAsync(string topic, string beforeKey, string before, string afterKey, string after, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task InitTransactionsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void BeginTransaction() => throw new NotSupportedException();

        public Task SendOffsetsToTransactionAsync(IEnumerable<TopicPartitionOffset> offsets, ConsumerGroupMetadata groupMetadata, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task CommitTransactionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task AbortTransactionAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => default;
    }
}
