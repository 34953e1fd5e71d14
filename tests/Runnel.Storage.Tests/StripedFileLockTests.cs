using FluentAssertions;
using Runnel.Storage.Internal;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The file store's cross-process blob locks. Two lock instances on one directory stand for two processes (each
/// opens its own lock file, so the OS lock of one excludes the other).</summary>
public sealed class StripedFileLockTests : IDisposable
{
    private const string Membership = "clusters/c/membership";
    private readonly TempDirectory _directory = new("striped-lock");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Acquire_SameStripeOtherFolderHeldByAnotherProcess_DoesNotWait()
    {
        // A segment of the same stripe as the membership blob, held by a process that then hangs (SIGSTOP keeps it held).
        var segment = NameInStripeOf(Membership, "topics/t/0/", 0);
        var hung = new StripedFileLock(_directory.Path, TimeSpan.FromSeconds(30));
        var sibling = new StripedFileLock(_directory.Path, TimeSpan.FromMilliseconds(300));
        using var held = await hung.AcquireAsync(segment, CancellationToken.None);

        using (await sibling.AcquireAsync(Membership, CancellationToken.None))
        {
            // Declaring the hung silo dead needs exactly this write: it must not queue behind the segment's holder.
        }

        var sameFolder = NameInStripeOf(segment, "topics/t/1/", 0);
        var blocked = async () => (await sibling.AcquireAsync(sameFolder, CancellationToken.None)).Dispose();
        await blocked.Should().ThrowAsync<StorageUnavailableException>("names of one folder still share its stripes");
    }

    [Fact]
    public void FileName_NamesItsTopLevelFolderAndStripe()
    {
        StripedFileLock.FileName("topics/t/0/manifest", 0x2a).Should().Be("topics.02a.lock");
        StripedFileLock.FileName("clusters/c/membership", 0x3ff).Should().Be("clusters.3ff.lock");
        StripedFileLock.FileName("rootblob", 1).Should().Be(".001.lock");
        StripedFileLock.FileName("we ird/x", 1).Should().MatchRegex(@"^x[0-9a-f]{8}\.001\.lock$");
    }

    /// <summary>The first <c>{prefix}{i}.log</c> (i from <paramref name="from"/>) in the stripe of <paramref name="name"/>.</summary>
    private static string NameInStripeOf(string name, string prefix, int from)
    {
        var stripe = StripedFileLock.Stripe(name);
        for (var i = from; ; i++)
        {
            var candidate = $"{prefix}{i}.log";
            if (candidate != name && StripedFileLock.Stripe(candidate) == stripe)
            {
                return candidate;
            }
        }
    }
}
