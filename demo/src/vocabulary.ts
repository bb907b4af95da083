import type { PostKind } from './network.ts';

/** Words the generator builds people and posts from: short, so usernames stay within 30 characters. */
export const firstNames =
  'maya liam noor jonas aiko mateo zara elias ines omar freya kofi lena ravi sofia tariq ana hugo yuki amara felix nia arjun clara diego emma ivan leila marco priya sami tess wren bo chen dara eli faye gus hana'.split(
    ' ',
  );

export const lastNames =
  'okafor berg tanaka silva haddad novak reyes kim larsen mensah rossi singh weber dubois costa ali moreau ito nkemelu park fischer garcia kowalski nguyen osei petrov quinn sato vidal young'.split(
    ' ',
  );

export const bioParts = {
  who: [
    'Photographer',
    'Night-shift nurse',
    'Bookseller',
    'Sound engineer',
    'Cyclist',
    'Baker',
    'Urban gardener',
    'Film student',
    'Climber',
    'Teacher',
    'Architect',
    'Record collector',
    'Birdwatcher',
    'Home cook',
    'Translator',
    'Marine biologist',
    'Potter',
    'Runner',
    'Carpenter',
    'Jazz pianist',
  ],
  where: [
    'in Lisbon',
    'in Osaka',
    'in Lagos',
    'in Berlin',
    'in Montréal',
    'in Melbourne',
    'by the sea',
    'in the mountains',
    'in a small town',
    'in Mexico City',
    'in Copenhagen',
    'in Nairobi',
  ],
  likes: [
    'Slow mornings and strong coffee.',
    'Always looking for the next good book.',
    'Film cameras only.',
    'Here for the music.',
    'Sharing what I cook.',
    'Trails, maps and long walks.',
    'No algorithms, just friends.',
    'Collecting sunsets.',
    'Learning to sail.',
    'Vinyl over streaming.',
    'Plants everywhere.',
  ],
} as const;

/** Per kind: captions, tags, and how its URL is made (none for TEXT). */
export const kindContent: Record<
  PostKind,
  { readonly captions: readonly string[]; readonly tags: readonly string[]; readonly url?: (slug: string) => string }
> = {
  PHOTO: {
    captions: [
      'Golden hour from the roof',
      'Morning fog over the harbour',
      'Found this corner today',
      'Market colours',
      'Snow at last',
    ],
    tags: 'photography filmphotography streetphoto sunset nature city'.split(' '),
    url: (slug) => `https://photos.verograph.example/${slug}.jpg`,
  },
  VIDEO: {
    captions: ['Thirty seconds of rain', 'The waves were huge', 'Our band, live last night', 'Timelapse of the bakery'],
    tags: 'video timelapse live ocean behindthescenes'.split(' '),
    url: (slug) => `https://video.verograph.example/${slug}.mp4`,
  },
  LINK: {
    captions: [
      'Worth reading this weekend',
      'A good long read',
      'This explains it better than I could',
      'Bookmarking this',
    ],
    tags: 'reading longread science design cities'.split(' '),
    url: (slug) => `https://news.verograph.example/articles/${slug}`,
  },
  MUSIC: {
    captions: ['On repeat all week', 'This album ages so well', 'Found it in a dusty crate', 'Sunday record'],
    tags: 'music vinyl jazz ambient nowplaying'.split(' '),
    url: (slug) => `https://music.verograph.example/tracks/${slug}`,
  },
  MOVIE: {
    captions: [
      'Saw it twice, still thinking about it',
      'A quiet masterpiece',
      'Perfect for a rainy evening',
      'The ending!',
    ],
    tags: 'film cinema movienight documentary classic'.split(' '),
    url: (slug) => `https://films.verograph.example/${slug}`,
  },
  BOOK: {
    captions: [
      'Finished it in one sitting',
      'Halfway through and hooked',
      'A book club pick',
      'Rereading an old favourite',
    ],
    tags: 'books reading fiction poetry bookclub'.split(' '),
    url: (slug) => `https://books.verograph.example/${slug}`,
  },
  PLACE: {
    captions: [
      'Best coffee in the neighbourhood',
      'Lunch spot with a view',
      'Hidden garden behind the library',
      'Worth the climb',
    ],
    tags: 'travel coffee food hiking localspot'.split(' '),
    url: (slug) => `https://places.verograph.example/${slug}`,
  },
  TEXT: {
    captions: [
      'Small win today: fixed the bike myself.',
      'Who else is up this early?',
      'Thinking about how much a short walk changes a day.',
      'Grateful for good neighbours.',
      'Any recommendations for a weekend trip?',
    ],
    tags: 'thoughts today question life'.split(' '),
  },
};

export const comments = [
  'Love this!',
  'Beautiful.',
  'Where is this?',
  'So good.',
  'Adding it to my list.',
  'This made my day.',
  'Wow, the light!',
  'Thanks for sharing.',
  'I was there last year!',
  'Need to try this.',
  'Agreed.',
  'Ha, yes.',
] as const;

export const collectionTitles = [
  'Favourites',
  'To read',
  'Places to go',
  'Music for Sundays',
  'Inspiration',
  'Watch later',
  'Recipes',
  'Saved',
] as const;
