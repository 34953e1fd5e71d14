using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Runnel.Abstractions.Tests;

/// <summary>Runnel's errors across Orleans: a <see cref="RunnelException"/> keeps its code and flags through the
/// serializer, and Orleans' own call failures become RunnelExceptions whose flags say what happened to the call.</summary>
public sealed class ErrorTranslationTests
{
    [Fact]
    public void RunnelException_ThroughTheOrleansSerializer_KeepsCodeFlagsAndMessage()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var original = new RunnelException(RunnelErrorCode.StorageUnavailable, "the store did not answer", isRetriable: true, isOutcomeUnknown: true);

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(original));

        var error = copy.Should().BeOfType<RunnelException>().Which;
        error.Code.Should().Be(RunnelErrorCode.StorageUnavailable);
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeTrue();
        error.Message.Should().Be("the store did not answer");
    }

    [Fact]
    public void Translate_SiloUnavailable_IsRetriableWithAnUnknownOutcome()
    {
        var error = RunnelCallErrorFilter.Translate(new SiloUnavailableException("silo S1 is dead"), "Runnel.Grains.IPartitionGrain", "ProduceAsync")!;

        error.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeTrue("the silo may have handled the call before it died");
        error.Message.Should().Contain("IPartitionGrain.ProduceAsync");
    }

    [Fact]
    public void Translate_Timeout_IsRetriableWithAnUnknownOutcome()
    {
        var error = RunnelCallErrorFilter.Translate(new TimeoutException("no response within 30 s"))!;

        error.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
        error.IsOutcomeUnknown.Should().BeTrue();
    }

    [Fact]
    public void Translate_GatewayTooBusy_IsRetriableAndNotHandled()
    {
        var error = RunnelCallErrorFilter.Translate(new GatewayTooBusyException())!;

        error.Code.Should().Be(RunnelErrorCode.Rejected);
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeFalse("a rejected message was not handled");
    }

    [Fact]
    public void Translate_RunnelExceptionsAndOtherFailures_PassThrough()
    {
        RunnelCallErrorFilter.Translate(new RunnelException(RunnelErrorCode.UnknownTopic, "no such topic")).Should().BeNull();
        RunnelCallErrorFilter.Translate(new InvalidOperationException("a bug")).Should().BeNull();
    }

    [Fact]
    public void ForTheWire_ASubclassWithoutASerializer_BecomesAPlainRunnelExceptionWithTheSameCodeAndFlags()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var original = new LocalOnlyError(new InvalidOperationException("an SDK's own exception"));

        var wire = RunnelGrainErrorFilter.ForTheWire(original);
        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(wire));

        var error = copy.Should().BeOfType<RunnelException>().Which;
        error.Code.Should().Be(RunnelErrorCode.NotOwner);
        error.IsRetriable.Should().BeTrue();
        error.IsOutcomeUnknown.Should().BeTrue();
        error.Message.Should().Be("partition t/0 moved");
    }

    [Fact]
    public void ASubclassWithoutASerializer_FailsToSerialize_WhichIsWhyTheFilterExists()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var act = () => serializer.SerializeToArray<Exception>(new LocalOnlyError(null));

        act.Should().Throw<Exception>();
    }

    /// <summary>A Runnel error type declared where Orleans generates no serializer (as the log's and the store's are).</summary>
    private sealed class LocalOnlyError(Exception? inner)
        : RunnelException(RunnelErrorCode.NotOwner, "partition t/0 moved", inner, isRetriable: true, isOutcomeUnknown: true);
}
