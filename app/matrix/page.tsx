import { Suspense } from 'react';
import { AppHeader } from '../../components/AppHeader';
import { MatrixView } from '../../components/MatrixView';

export default function MatrixPage() {
  return (
    <>
      <AppHeader />
      <main className="mx-auto max-w-[1400px] px-6 py-6">
        {/* useSearchParams (?id=, ?n=) needs a Suspense boundary in the App Router */}
        <Suspense fallback={<p className="text-slate-500">Loading…</p>}>
          <MatrixView />
        </Suspense>
      </main>
    </>
  );
}
