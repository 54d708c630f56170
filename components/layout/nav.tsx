"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const SCREENS = [
  { href: "/users", label: "Users" },
  { href: "/population", label: "Population" },
  { href: "/partitioning", label: "Partitioning" },
  { href: "/prompts", label: "Prompts" },
  { href: "/jobs", label: "Jobs" },
  { href: "/ctr-lab", label: "CTR Lab" },
  { href: "/imports", label: "Imports" },
  { href: "/settings", label: "Settings" },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex flex-col gap-1">
      {SCREENS.map((s) => {
        const active = pathname === s.href || pathname.startsWith(`${s.href}/`);
        return (
          <Link
            key={s.href}
            href={s.href}
            aria-current={active ? "page" : undefined}
            className={`rounded px-3 py-2 text-sm ${active ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-200"}`}
          >
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
