using Xunit.Abstractions;
using Runnel.Grains;

namespace Runnel.Client.Tests;

/// <summary><see cref="GroupConsumerTests"/> against the real <see cref="ConsumerGroupGrain"/>.</summary>
public sealed class RealGroupConsumerTests(ITestOutputHelper output) : GroupConsumerTests(output)
{
    protected override bool RealGroups => true;
}
