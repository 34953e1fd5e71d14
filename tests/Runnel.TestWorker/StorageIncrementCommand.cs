using System.Globalization;
using System.Text;
using Runnel.Storage;

namespace Runnel.TestWorker;

/// <summary>
/// <c>storage-increment &lt;dataDir&gt; &lt;blob&gt; &lt;count&gt;</c>: adds 1 to the decimal number in a block blob
/// <c>count</c> times, each by read, then put with If-Match (creating the blob with If-None-Match: * when
/// absent), retrying on a failed precondition. Prints <c>done &lt;count&gt; &lt;retries&gt;</c>. Two of these on one
/// directory must end at exactly twice the count: a lost update means a condition was not atomic across processes.
/// </summary>
internal static class StorageIncrementCommand
{
    public static async Task<int> RunAsync(string dataDirectory, string blob, int count)
    {
        var store = new FileObjectStore(dataDirectory);
        var retries = 0;
        for (var done = 0; done < count;)
        {
            var current = await store.TryGetAsync(blob);
            var value = current is null ? 0 : long.Parse(Encoding.UTF8.GetString(current.Content.Span), CultureInfo.InvariantCulture);
            var condition = current is null ? BlobCondition.IfNotExists : BlobCondition.IfETagMatches(current.Properties.ETag);
            try
            {
                await store.PutAsync(blob, Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)), condition);
                done++;
            }
            catch (PreconditionFailedException)
            {
                retries++;
            }
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {count} {retries}"));
        return 0;
    }
}
