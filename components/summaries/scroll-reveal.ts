/**
 * The scrollTop that brings an item into a scroll box's view with the least movement (as
 * scrollIntoView's block "nearest"), for scrolling ONE box: scrollIntoView would also scroll
 * the page, pulling it away from the timeline the partition was picked on.
 * Positions are in the box's content coordinates.
 */
export function scrollTopToReveal(
  view: { top: number; height: number },
  item: { top: number; height: number },
): number {
  const itemBottom = item.top + item.height;
  if (item.top >= view.top && itemBottom <= view.top + view.height) return view.top;
  // Above the view, or taller than it: show its top.
  if (item.top < view.top || item.height > view.height) return item.top;
  return itemBottom - view.height;
}
